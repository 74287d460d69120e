"""`fairgov plan [PATH]`: patients per group each metric gate needs, by simulation.

For every metric gate of the project's policies: the patients (in the smallest group) at
which a truly fair model passes with probability >= --power, and at which a model whose
smallest group is worse by --gap in the gate's own metric (AUROC lower, TPR lower, FPR
higher, ECE higher; see ``fairgov.gates.planning.PLANTED``) fails with probability >= --power. Group
shares
come from --shares (``attribute:group=share,...``) or, for attributes the datasheet declares
with values or bins, equal shares. Bootstrap settings (resamples capped by --resamples,
level, interval method), threshold (fixed ones) and minimum evidence come from the gate's
first evaluation. See ``fairgov.gates.planning``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from fairgov.cli.commands.validate import print_diagnostics
from fairgov.cli.options import COMMANDS
from fairgov.diagnostics import ExitCode, has_errors
from fairgov.gates.planning import PlanSettings, plan_attribute, planted
from fairgov.metrics import BootstrapConfig, MinEvidence
from fairgov.validate import compile_project
from fairgov.validate.policies import applied_policy_refs, compose
from fairgov.validate.semantic import evaluations_for_gate


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help=COMMANDS["plan"])
    p.add_argument(
        "path", nargs="?", default=".", help="project folder or its fairgov.yaml (default: .)"
    )
    p.add_argument(
        "--prevalence", type=_fraction, default=0.3, help="expected share of positive patients"
    )
    p.add_argument(
        "--shares",
        action="append",
        default=[],
        metavar="ATTR:GROUP=SHARE,...",
        help="expected group shares of an attribute (repeatable)",
    )
    p.add_argument(
        "--auroc", type=_fraction, default=0.85, help="AUROC of the fair model in every group"
    )
    p.add_argument(
        "--gap",
        type=float,
        default=0.1,
        help="shortfall of the smallest group in the unfair model, in the gate's metric "
        "(AUROC/TPR lower, FPR/ECE higher)",
    )
    p.add_argument("--power", type=_fraction, default=0.8, help="target probability (default 0.8)")
    p.add_argument("--seeds", type=int, default=20, help="simulated data sets per size and model")
    p.add_argument(
        "--resamples", type=int, default=200, help="at most this many bootstrap resamples"
    )
    p.add_argument(
        "--max-patients", type=int, default=6400, help="largest smallest-group size tried"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run)


def _fraction(text: str) -> float:
    x = float(text)
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"{text} is not in (0, 1)")
    return x


def parse_shares(items: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for item in items:
        attr, sep, rest = item.partition(":")
        try:
            pairs = [p.split("=", 1) for p in rest.split(",") if p]
            shares = {g.strip(): float(v) for g, v in pairs}
        except ValueError:
            shares = {}
        if not sep or len(shares) < 2 or min(shares.values()) <= 0:
            raise argparse.ArgumentTypeError(
                f"--shares {item!r}: give ATTR:GROUP=SHARE,GROUP=SHARE (shares > 0)"
            )
        total = sum(shares.values())
        out[attr.strip()] = {g: v / total for g, v in shares.items()}
    return out


def _declared(cp, evaluation, attribute: str) -> dict[str, float] | None:
    ds = cp.model(evaluation.dataset) if evaluation is not None else None
    attr = getattr(ds, "attributes", {}).get(attribute) if ds is not None else None
    if attr is None:
        return None
    labels = (
        sorted(set(attr.values.values())) if attr.values else [b.label for b in attr.bins or []]
    )
    return {g: 1 / len(labels) for g in labels} if len(labels) >= 2 else None


def _settings(args, evaluation) -> PlanSettings:
    b = evaluation.bootstrap if evaluation is not None else None
    me = evaluation.min_evidence if evaluation is not None else None
    th = evaluation.threshold if evaluation is not None else None
    cfg = BootstrapConfig(
        resamples=min(args.resamples, b.resamples) if b else args.resamples,
        level=b.level if b else 0.95,
        interval=b.interval if b else "bca",
    )
    return PlanSettings(
        prevalence=args.prevalence,
        auroc=args.auroc,
        gap=args.gap,
        power=args.power,
        seeds=args.seeds,
        max_patients=args.max_patients,
        bootstrap=cfg,
        threshold=float(th.value) if th is not None and th.policy == "fixed" else 0.5,
        min_evidence=MinEvidence(me.n, me.positives, me.negatives)
        if me
        else MinEvidence(0, 10, 10),
    )


def run(args: argparse.Namespace) -> int:
    try:
        given = parse_shares(args.shares)
    except argparse.ArgumentTypeError as exc:
        print(f"<command line>: error FG510: {exc}")
        return ExitCode.ERROR
    cp = compile_project(args.path)
    if has_errors(cp.diagnostics):
        print_diagnostics(cp, "human")
        return ExitCode.ERROR
    by_attr: dict[str, list[Any]] = {}
    first_eval: dict[str, Any] = {}
    skipped: list[str] = []
    for ref in applied_policy_refs(cp):
        for sg in compose(cp, ref)[0].gates:
            gate = sg.gate
            if gate.type != "metric":
                continue
            attribute = "×".join(gate.across)
            targets = evaluations_for_gate(cp, gate)
            first_eval.setdefault(attribute, targets[0].model if targets else None)
            by_attr.setdefault(attribute, []).append(gate)
    report: dict[str, Any] = {
        "power": args.power,
        "gap": args.gap,
        "auroc": args.auroc,
        "prevalence": args.prevalence,
        "gates": [],
    }
    for attribute, gates in by_attr.items():
        shares = given.get(attribute) or _declared(cp, first_eval[attribute], attribute)
        if shares is None:
            skipped += [
                f"{g.id}: no shares for {attribute!r} (give --shares {attribute}:GROUP=SHARE,...)"
                for g in gates
            ]
            continue
        st = _settings(args, first_eval[attribute])
        for gate, plan in zip(gates, plan_attribute(attribute, shares, gates, st), strict=True):
            within = _gap_within_limit(gate, args.gap)
            report["gates"].append(
                {
                    "gate": plan.gate,
                    "attribute": attribute,
                    "shares": shares,
                    "pass_fair": plan.needed("p_pass_fair", args.power),
                    "fail_gap": None if within else plan.needed("p_fail_gap", args.power),
                    "fail_gap_note": "the stated gap is within the gate's limit"
                    if within
                    else None,
                    "planted": plan.planted,
                    "rows": plan.rows,
                }
            )
    report["skipped"] = skipped
    print(json.dumps(report, sort_keys=True) if args.json else _table(report, args))
    return ExitCode.OK


def _gap_within_limit(gate: Any, gap: float) -> bool:
    """A gap gate whose limit the planted gap does not exceed should not fail it (the gap is
    planted in the gate's own metric, or in AUROC for a metric without its own planting)."""
    own = planted(gate.metric) != "auroc" or gate.metric == "auroc"
    return (
        own and gate.statistic in ("gap", "difference") and gate.max is not None and gap <= gate.max
    )


def _table(report: dict[str, Any], args) -> str:
    pct = f"{args.power:.0%}"
    lines = [
        f"patients in the smallest group for P >= {pct} (fair AUROC {args.auroc:g}, gap "
        f"{args.gap:g} in the gate's metric, prevalence {args.prevalence:g}, {args.seeds} "
        f"simulated data sets per size)",
        f"{'gate':<24}{'attribute':<16}{'pass if fair':>14}{'fail at gap':>14}  gap in",
    ]
    for g in report["gates"]:
        most = f"> {g['rows'][-1]['patients']}"
        fair, gap = (most if n is None else str(n) for n in (g["pass_fair"], g["fail_gap"]))
        gap = "n/a" if g["fail_gap_note"] else gap
        lines.append(f"{g['gate']:<24}{g['attribute']:<16}{fair:>14}{gap:>14}  {g['planted']}")
    lines += [f"skipped {s}" for s in report["skipped"]]
    return "\n".join(lines)
