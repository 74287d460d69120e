"""SARIF 2.1.0 output, shared by `validate` (diagnostics) and `check`/`build` (gates).

Artifact URIs are repository-relative when a `uri_prefix` is given (see `location.py`), so
GitHub code scanning places each alert on its file. Every result has a
`partialFingerprints` entry that stays the same when only numbers in the message change
(a new predictions file moves the observed values), so an alert is tracked, not re-opened.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from fairgov import __version__
from fairgov.codes import CODES
from fairgov.diagnostics import Diagnostic
from fairgov.formats.location import with_prefix

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/fairgov/"
FINGERPRINT_KEY = "fairgovFinding/v1"
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


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
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": [_result(d, index[d.code], uri_prefix) for d in diags],
            }
        ],
    }


def _rule(code: str) -> dict[str, object]:
    slug, text = CODES.get(code, ("unknown", "Unknown code."))
    how = f"Run `fairgov explain {code}` for this text in the terminal."
    return {
        "id": code, "name": slug,
        "shortDescription": {"text": slug.replace("-", " ")},
        "fullDescription": {"text": text},
        "help": {"text": f"{text}\n\n{how}", "markdown": f"**{code} ({slug})**\n\n{text}\n\n{how}"},
        "helpUri": INFORMATION_URI,
    }


def fingerprint(d: Diagnostic, uri: str) -> str:
    """sha256 of code, file, pointer and the message with its numbers masked."""
    stable = _NUMBER.sub("#", d.message)
    return hashlib.sha256("\0".join((d.code, uri, d.pointer, stable)).encode()).hexdigest()


def _result(d: Diagnostic, rule_index: int, uri_prefix: str) -> dict[str, object]:
    message = d.message + (f" (hint: {d.hint})" if d.hint else "")
    uri = with_prefix(d.file, uri_prefix)
    return {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": "error" if d.is_error else "warning",
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": max(d.line, 1), "startColumn": max(d.col, 1)},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(d, uri)},
    }
