"""Arguments and printing shared by `fairgov build` and `fairgov check`."""

from __future__ import annotations

import argparse
import json
import sys

from fairgov.cli.options import EXIT_CODES, add_repo_root
from fairgov.formats import ci as ci_outputs
from fairgov.formats import diagnostics as fmt
from fairgov.locale import DEFAULT as DEFAULT_LANG
from fairgov.locale import available as available_langs
from fairgov.pipeline.build import BuildOutcome, run_build
from fairgov.pipeline.steps import Steps
from fairgov.results import parse


def add_common(p: argparse.ArgumentParser) -> None:
    p.epilog = EXIT_CODES
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument(
        "path", nargs="?", default=".", help="project folder or its fairgov.yaml (default: .)"
    )
    p.add_argument("--out", help="output folder (default: the project's `output`, e.g. build/)")
    p.add_argument(
        "--date", help="build date YYYY-MM-DD (default: SOURCE_DATE_EPOCH, fairgov.yaml, today)"
    )
    p.add_argument("--strict", action="store_true", help="warnings block too")
    p.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), help="override the evaluations' torch device"
    )
    p.add_argument(
        "--runner",
        choices=("local", "torchrun", "ray"),
        help="override where embeddings are computed (compute.runner); results are identical",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="existing Ray cluster for --runner ray (e.g. auto or head:6379); "
        "default: RAY_ADDRESS, else a local one",
    )
    p.add_argument(
        "--format",
        choices=("human", "json", "github", "sarif"),
        default="human",
        help="what to print",
    )
    p.add_argument(
        "--no-reuse",
        dest="reuse",
        action="store_false",
        help="recompute probe outputs and measurements and re-render every PDF report even "
        "when their inputs are unchanged (embeddings stay cached)",
    )
    add_repo_root(p)
    p.add_argument(
        "--quiet", action="store_true", help="no progress lines on stderr between build steps"
    )
    p.add_argument(
        "--lang",
        type=report_lang,
        default=DEFAULT_LANG,
        metavar="LANG",
        help=f"language of the HTML/PDF reports: {', '.join(available_langs())} "
        f"(default: {DEFAULT_LANG})",
    )


def report_lang(value: str) -> str:
    """--lang: a language fairgov has a report catalog for (argparse turns the error into
    exit 2)."""
    if value not in available_langs():
        raise argparse.ArgumentTypeError(
            f"unknown report language {value!r}; available: {', '.join(available_langs())}"
        )
    return value


def execute(args: argparse.Namespace, write_reports: bool) -> int:
    command = recorded_command(args, "build" if write_reports else "check")
    outcome = run_build(
        args.path,
        out=args.out,
        date=args.date,
        strict=args.strict,
        write_reports=write_reports,
        command=command,
        options={
            "device": args.device,
            "lang": args.lang,
            "runner": args.runner,
            "ray_address": args.ray_address,
            "repo_root": args.repo_root,
            "reuse": getattr(args, "reuse", True),
        },
        steps=Steps(enabled=not args.quiet),
    )
    print_outcome(outcome, args.format)
    return outcome.exit_code


def recorded_command(args: argparse.Namespace, name: str) -> list[str]:
    """The command line as recorded in provenance: only the options that change results.

    Paths (PATH, --out) and output formats are left out, so two builds of the same inputs
    give byte-identical results.json wherever they run.
    """
    command = ["fairgov", name]
    if args.date:
        command += ["--date", args.date]
    if args.strict:
        command.append("--strict")
    if args.device:
        command += ["--device", args.device]
    return command


def print_outcome(outcome: BuildOutcome, form: str) -> None:
    diags = outcome.diagnostics
    res = outcome.results
    typed = parse(res) if res else None
    gate_diags = ci_outputs.gate_diagnostics(typed.gates) if typed is not None else []
    if form == "json":
        print(
            json.dumps(
                {
                    "verdict": res["verdict"] if res else None,
                    "gates": res["gates"] if res else [],
                    "diagnostics": [d.to_dict() for d in diags],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    elif form == "github":
        text = fmt.github(diags + gate_diags, outcome.uri_prefix)
        if text:
            print(text)
    elif form == "sarif":
        from fairgov.formats.sarif import sarif_log

        print(json.dumps(sarif_log(diags + gate_diags, outcome.uri_prefix), indent=2))
    else:
        if diags:
            sources = (
                {d.relpath: d.lines for d in outcome.project.documents} if outcome.project else {}
            )
            print(fmt.human(diags, sources), file=sys.stderr)
        if typed is not None:
            print(ci_outputs.gate_table(typed))
            if outcome.out_dir:
                print(f"outputs: {outcome.out_dir}")
