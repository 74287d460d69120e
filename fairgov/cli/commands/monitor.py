"""`fairgov monitor [PATH]`: run a deployment's monitoring plan over its production log."""

from __future__ import annotations

import argparse
import json
import sys

from fairgov.cli.options import COMMANDS
from fairgov.formats import diagnostics as fmt


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("monitor", help=COMMANDS["monitor"])
    p.add_argument(
        "path", nargs="?", default=".", help="project folder or its fairgov.yaml (default: .)"
    )
    p.add_argument(
        "--deployment",
        metavar="ID",
        help="the DeploymentProtocol to monitor (needed when several have a plan)",
    )
    p.add_argument("--since", metavar="D", help="first period to report (YYYY-MM-DD, period start)")
    p.add_argument("--until", metavar="D", help="last period to report (YYYY-MM-DD, period start)")
    p.add_argument(
        "--as-of",
        metavar="D",
        help="judge the log as known on this date (default: its latest timestamp)",
    )
    p.add_argument("--out", help="output folder (default: <output>/monitor/<deployment id>)")
    p.add_argument("--store", help="history store file (default: <cache>/monitor/history.duckdb)")
    p.add_argument(
        "--format",
        choices=("human", "json", "github", "sarif"),
        default="human",
        help="what to print",
    )
    p.set_defaults(func=execute)


def execute(args: argparse.Namespace) -> int:
    from fairgov.monitor.api import run_monitor
    from fairgov.monitor.outputs import table, trigger_diagnostics

    command = ["fairgov", "monitor"] + [
        x
        for k in ("deployment", "since", "until", "as_of")
        if getattr(args, k)
        for x in (f"--{k.replace('_', '-')}", getattr(args, k))
    ]
    outcome = run_monitor(args.path, deployment=args.deployment, since=args.since, until=args.until,
                          as_of=args.as_of, out=args.out, store=args.store, command=command)
    doc = outcome.doc
    diags = outcome.diagnostics + (trigger_diagnostics(doc) if doc else [])
    if args.format == "json":
        print(
            json.dumps(
                {
                    "verdict": doc["verdict"] if doc else None,
                    "triggers": [
                        {
                            k: t[k]
                            for k in (
                                "id",
                                "status",
                                "blocking",
                                "latest_period",
                                "first_alert",
                                "alert_periods",
                                "reason",
                                "action",
                            )
                        }
                        for t in (doc["triggers"] if doc else [])
                    ],
                    "diagnostics": [d.to_dict() for d in outcome.diagnostics],
                },
                indent=2,
            )
        )
    elif args.format == "github":
        text = fmt.github(diags)
        if text:
            print(text)
    elif args.format == "sarif":
        from fairgov.formats.sarif import sarif_log

        print(json.dumps(sarif_log(diags), indent=2))
    else:
        if outcome.diagnostics:
            print(fmt.human(outcome.diagnostics), file=sys.stderr)
        if doc:
            print(table(doc))
            print(f"outputs: {outcome.out_dir}")
    return outcome.exit_code
