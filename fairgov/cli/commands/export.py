"""`fairgov export hf-model-card|croissant|results`: documents and results for other tools.

Exit codes as everywhere: 0 written; 1 the project does not validate (diagnostics printed,
nothing written); 2 usage errors: unknown id, unreadable results, existing file without
--force.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fairgov.cli.options import COMMANDS
from fairgov.diagnostics import ExitCode
from fairgov.exports import default_out, find_document, read_results, results_for, write_output
from fairgov.exports.subgroups import FORMATS
from fairgov.formats import diagnostics as fmt
from fairgov.validate import CompiledProject, compile_project


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help=COMMANDS["export"])
    what = p.add_subparsers(dest="export", required=True, metavar="FORMAT")
    hf = what.add_parser(
        "hf-model-card", help="Hugging Face model card README.md with model-index results"
    )
    hf.add_argument("id", metavar="MODELCARD_ID", help="id of the ModelCard document")
    _project_args(hf)
    hf.add_argument(
        "--results",
        help="results.json of a build (default: the project's build/results.json if any)",
    )
    hf.set_defaults(func=run_hf)
    cr = what.add_parser(
        "croissant", help="Croissant 1.0 JSON-LD with the Responsible-AI vocabulary"
    )
    cr.add_argument("id", metavar="DATASHEET_ID", help="id of the Datasheet document")
    _project_args(cr)
    cr.set_defaults(func=run_croissant)
    rs = what.add_parser("results", help="the subgroup table of a results.json as CSV or Parquet")
    rs.add_argument(
        "results", metavar="RESULTS_JSON", help="results.json written by fairgov check/build"
    )
    rs.add_argument("--format", choices=FORMATS, default="csv", help="table format (default: csv)")
    _out_args(rs, "subgroups.csv|parquet next to RESULTS_JSON")
    rs.set_defaults(func=run_results)


def _project_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path", nargs="?", default=".", help="project folder or its fairgov.yaml (default: .)"
    )
    _out_args(p, "under the project's build/exports/")


def _out_args(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument("--out", metavar="FILE", help=f"output file (default: {default})")
    p.add_argument("--force", action="store_true", help="replace an existing output file")


def _valid_project(path: str) -> CompiledProject | None:
    """The compiled project, or None after printing its diagnostics (it does not validate)."""
    cp = compile_project(path)
    if cp.ok:
        return cp
    print(fmt.human(cp.diagnostics, {d.relpath: d.lines for d in cp.documents}), file=sys.stderr)
    print("fairgov: the project does not validate; nothing was exported", file=sys.stderr)
    return None


def run_hf(args: argparse.Namespace) -> int:
    from fairgov.exports import hf_card

    cp = _valid_project(args.path)
    if cp is None:
        return ExitCode.FINDINGS
    entry = find_document(cp, "ModelCard", args.id)
    results_path = Path(args.results) if args.results else default_out(cp).parent / "results.json"
    results = results_for(cp, results_path) if args.results or results_path.is_file() else None
    if results is None:
        print(
            "fairgov: no results.json found; the card has no model-index (run `fairgov check`)",
            file=sys.stderr,
        )
    out = (
        Path(args.out) if args.out else default_out(cp, f"modelcard-{entry.model.id}", "README.md")
    )
    print(write_output(out, hf_card.render(cp, entry, results).encode("utf-8"), args.force))
    return ExitCode.OK


def run_croissant(args: argparse.Namespace) -> int:
    from fairgov.exports import croissant

    cp = _valid_project(args.path)
    if cp is None:
        return ExitCode.FINDINGS
    entry = find_document(cp, "Datasheet", args.id)
    out = (
        Path(args.out)
        if args.out
        else default_out(cp, f"datasheet-{entry.model.id}", "croissant.json")
    )
    print(write_output(out, croissant.render(cp, entry, out).encode("utf-8"), args.force))
    return ExitCode.OK


def run_results(args: argparse.Namespace) -> int:
    from fairgov.exports import subgroups

    results = read_results(Path(args.results))
    out = Path(args.out) if args.out else Path(args.results).with_name(f"subgroups.{args.format}")
    print(write_output(out, subgroups.export(results, args.format), args.force))
    return ExitCode.OK
