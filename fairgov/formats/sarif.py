"""SARIF 2.1.0 output, shared by `validate` (diagnostics) and `check`/`build` (gates)."""

from __future__ import annotations

from collections.abc import Sequence

from fairgov import __version__
from fairgov.codes import CODES
from fairgov.diagnostics import Diagnostic

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif_log(diags: Sequence[Diagnostic], uri_prefix: str = "") -> dict[str, object]:
    codes = sorted({d.code for d in diags})
    rules = [_rule(code) for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fairgov",
                        "version": __version__,
                        "informationUri": "https://example.invalid/fairgov",
                        "rules": rules,
                    }
                },
                "results": [_result(d, index[d.code], uri_prefix) for d in diags],
            }
        ],
    }


def _rule(code: str) -> dict[str, object]:
    slug, text = CODES.get(code, ("unknown", "Unknown code."))
    return {"id": code, "name": slug, "shortDescription": {"text": slug.replace("-", " ")}, "fullDescription": {"text": text}}


def _result(d: Diagnostic, rule_index: int, uri_prefix: str) -> dict[str, object]:
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    return {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": "error" if d.is_error else "warning",
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri_prefix + d.file},
                    "region": {"startLine": max(d.line, 1), "startColumn": max(d.col, 1)},
                }
            }
        ],
    }
