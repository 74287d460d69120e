"""Report languages: complete catalogs, translated renders, locale formats, user text untouched."""

from __future__ import annotations

import copy
import importlib.util
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from html_audit import visible_text
from render_helpers import REPO

import fairgov.render as render
from fairgov.locale import DOMAIN, available, po_path
from fairgov.metrics.assemble import undefined_reason
from fairgov.metrics.config import MinEvidence
from fairgov.metrics.result import MetricValue
from fairgov.reasons import ENGLISH, METRIC_CODES, Reason, join
from fairgov.render import fmt, i18n, reasons
from tests.reason_literals import emitted_reason_codes

LANGS = ["es", "fr"]
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _update_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "update_catalogs", REPO / "scripts" / "update_catalogs.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def extracted() -> dict[str, str]:
    """msgid (the singular for plural messages) -> where it is used, by Babel's extractor over
    babel.cfg."""
    return {
        (m if isinstance(m, str) else m[0]): f"{f}:{line}"
        for f, line, m, _, _ in _update_script().messages()
    }


def _catalog(lang: str) -> Catalog:
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def problems(extracted: dict[str, str], catalog: Catalog) -> list[str]:
    """Every extracted message missing, untranslated, fuzzy or with other placeholders in
    `catalog`."""
    out = []
    for msgid, where in sorted(extracted.items()):
        message = catalog.get(msgid)
        if message is None:
            out.append(f"missing: {msgid!r} ({where})")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(f"untranslated or fuzzy: {msgid!r} ({where})")
            continue
        wanted = set(_PLACEHOLDER.findall(msgid if isinstance(message.id, str) else message.id[-1]))
        if any(set(_PLACEHOLDER.findall(s)) != wanted for s in strings):
            out.append(f"placeholders differ: {msgid!r} ({where})")
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_every_report_message_is_translated(extracted, lang):
    """Fails when a template or renderer string is not in the catalog (run
    scripts/update_catalogs.py)."""
    assert len(extracted) > 300
    found = problems(extracted, _catalog(lang))
    assert not found, f"{lang}: {len(found)} message(s) need translating:\n" + "\n".join(found[:40])


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_has_no_stale_messages(extracted, lang):
    stale = sorted(
        str(m.id)
        for m in _catalog(lang)
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in extracted
    )
    assert not stale, (
        f"{lang}: messages no source uses (run scripts/update_catalogs.py): {stale[:20]}"
    )


def test_the_check_catches_a_template_string_missing_from_the_catalog(extracted):
    template = (
        b'<h2>{{ _("A heading nobody has translated yet") }}</h2>{% trans %}A new '
        b"sentence.{% endtrans %}"
    )
    options = {
        "extensions": "jinja2.ext.i18n",
        "newstyle_gettext": "true",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
    new = {
        m: "templates/new.html.j2"
        for _, m, _, _ in extract("jinja2", io.BytesIO(template), options=options)
    }
    found = problems({**extracted, **new}, _catalog("es"))
    assert [p.split(" (")[0] for p in found] == [
        "missing: 'A heading nobody has translated yet'",
        "missing: 'A new sentence.'",
    ]


def test_languages_on_offer():
    assert {"en", "es", "fr"} <= set(available())
    for (
        lang
    ) in LANGS:  # every catalog compiles (fuzzy entries left out) and carries its plural rule
        assert (
            i18n.language(lang).translations.ngettext("%(num)s warning", "%(num)s warnings", 2)
            != "%(num)s warnings"
        )


@pytest.fixture(scope="module")
def localized(built) -> dict[str, dict[str, str]]:
    """lang -> report stem -> HTML (no PDF)."""
    results, cp = built
    return {
        lang: {r.stem: r.html for r in render.render_reports(results, cp, pdf=False, lang=lang)}
        for lang in LANGS
    }


HEADINGS = {
    "es": [
        "Índice",
        "Evidencia",
        "Control por control",
        "Resultados de la evaluación",
        "Documentación",
        "Cobertura de normas",
        "Procedencia",
        "Vista del ciclo de vida",
        "DICTAMEN: BLOQUEADO",
    ],
    "fr": [
        "Sommaire",
        "Éléments de preuve",
        "Contrôle par contrôle",
        "Résultats d’évaluation",
        "Documentation",
        "Couverture des normes",
        "Provenance",
        "Vue du cycle de vie",
        "VERDICT : BLOQUÉ",
    ],
}
DATES = {"es": "28 de noviembre de 2026", "fr": "28 novembre 2026"}


@pytest.mark.parametrize("lang", LANGS)
def test_translated_headings_and_locale_formats(built, localized, lang):
    results, _ = built
    html = localized[lang]["dossier-st-example-central"]
    assert html.startswith(f'<!DOCTYPE html>\n<html lang="{lang}">')
    text = visible_text(html)  # white space (also no-break) collapsed to single spaces
    for heading in HEADINGS[lang]:
        assert heading in text, heading
    auroc = results["evaluations"]["evaluation/cxr-demo-probe"]["measure"]["overall"]["metrics"][
        "auroc"
    ]
    comma = lambda x: f"{x:.3f}".replace(".", ",")  # noqa: E731
    word = {"es": "a", "fr": "à"}[lang]
    assert (
        f"{comma(auroc['value'])} ({comma(auroc['ci_low'])} {word} {comma(auroc['ci_high'])})"
        in text
    )
    resamples = results["evaluations"]["evaluation/cxr-demo-probe"]["measure"]["bootstrap"][
        "resamples"
    ]
    grouped = " ".join(format_decimal(resamples, locale=lang).split())
    assert f"{grouped} " in text and grouped != str(resamples)
    assert f"{DATES[lang]}" in text and results["build_date"] not in text.replace(
        "--date " + results["build_date"], ""
    )
    assert re.search(r"\d,\d\u00a0%", html)  # 90,3 % (a no-break space before the percent sign)
    assert not re.search(r"\b0\.\d{3} \(0\.\d{3} (to|–)", text), "an English-formatted estimate"


LEAKS = [
    "Standards coverage",
    "Gate by gate",
    "Evaluation results",
    "Lifecycle view",
    "Skip to contents",
    "VERDICT:",
    "Sign-off. Blank lines",
    "Generated by fairgov",
    "blocks on failure",
    "Subgroup results",
    "not yet dated",
    "signature line",
    "Forest plot:",
    "Why this gate exists",
    "Seeds and bootstrap settings",
    "No waivers",
    "patient-level bootstrap",
    "fitted on the validation split (",
    "undefined",
    "items covered",
    "Compared:",
    "Outcome:",
    "interval bound meets the limit",
    "required fields answered",
    "Provenance",
]


PAGE = {
    "es": 'content: "Página " counter(page) " de " counter(pages)',
    "fr": 'content: "Page " counter(page) " sur " counter(pages)',
}


@pytest.mark.parametrize("lang", LANGS)
def test_no_english_fixed_text_leaks(localized, lang):
    catalog = _catalog(lang)
    same = {
        s for s in LEAKS if (m := catalog.get(s)) is not None and m.string == s
    }  # "Provenance" is French too
    for stem, html in localized[lang].items():
        text = visible_text(html)
        leaked = [s for s in LEAKS if s in text and s not in same]
        assert not leaked, f"{stem}: {leaked}"
        style = html.split("<style>", 1)[1].split("</style>", 1)[0]  # the PDF page furniture
        assert (
            PAGE[lang] in style
            and '" of " counter(pages)' not in style
            and "do not edit" not in style
        )


@pytest.mark.parametrize("lang", LANGS)
def test_no_long_english_sentence_survives(extracted, localized, lang):
    """Any source sentence (30+ characters between placeholders) is absent from the translated
    text."""
    catalog = _catalog(lang)
    text = " ".join(visible_text(h) for h in localized[lang].values())
    for msgid in extracted:
        translated = str(catalog.get(msgid).string)
        for piece in re.split(r"%\(\w+\)s", msgid):
            piece = piece.strip(" .;:")
            assert len(piece) < 30 or piece in translated or piece not in text, piece


def test_user_text_is_never_translated(built):
    results, cp = built
    changed = copy.deepcopy(results)
    changed["evaluations"]["evaluation/cxr-demo-probe"]["title"] = "Standards coverage"
    gate = next(g for g in changed["gates"] if g["id"] == "auroc-gap-sex")
    gate["title"] = "Gate by gate <b>not bold</b>"
    (item,) = render.render_reports(
        changed, cp, pdf=False, lang="es", only={"dossier-st-example-central"}
    )
    text = visible_text(item.html)
    assert (
        "Evaluación: Standards coverage" in text
    )  # a spec's words equal to a message stay as written
    assert (
        "Gate by gate <b>not bold</b>" in text
        and "Gate by gate &lt;b&gt;not bold&lt;/b&gt;" in item.html
    )
    for user in (
        "Overall AUROC is at least 0.80 (lower 95% bound)",
        "CXR-Demo v2",
        "St. Example General Hospital",
        "Data steward",
        "Consecutive sampling of all adult frontal radiographs",
        "female",
    ):
        assert user in text, user  # gate titles, document titles, answers, roles and group names


def test_locale_number_and_date_formats():
    with i18n.use("fr"):
        assert (
            fmt.estimate({"value": 0.8421, "ci_low": 0.8111, "ci_high": 0.87})
            == "0,842 (0,811 à 0,870)"
        )
        assert (
            fmt.num(-0.0123) == "−0,012"
            and fmt.count(1240) == "1\u202f240"
            and fmt.pct(0.52) == "52,0\u00a0%"
        )
        assert fmt.date("2026-11-28") == "28 novembre 2026" and fmt.level(0.95) == "95\u00a0%"
        no_pos = undefined_reason("tpr", n=5, pos=0, neg=5, pred_pos=0, t=0.5)
        record = MetricValue(None, reasons=(no_pos,)).to_dict()
        assert record["reason"] == "undefined: no positives"
        assert fmt.estimate(record) == "indéfini\u00a0: aucun positif"
    with i18n.use("es"):
        assert (
            fmt.interval(0.811, 0.87) == "(0,811 a 0,870)"
            and fmt.date("2026-11-28") == "28 de noviembre de 2026"
        )
        assert (
            fmt.status_word("fail") == "NO CONFORME"
            and fmt.metric_label("tpr") == "TVP (sensibilidad)"
        )
    assert (
        fmt.count(1240) == "1,240" and fmt.date("2026-11-28") == "2026-11-28"
    )  # English outside a render


def _gate(*reasons: Reason) -> dict:
    return {"reason": join(reasons), "reasons": [r.to_dict() for r in reasons]}


def test_recorded_reasons_are_translated_from_their_codes_and_kept_otherwise():
    straddles = _gate(Reason("point-violates"), Reason("straddles"))
    differs = _gate(
        Reason("threshold-differs", {"ref": "deployment/x", "deployed": 0.5, "evaluated": 0.43389})
    )
    four = MinEvidence(positives=10).reason(40, 4, 36)
    thin = _gate(
        Reason(
            "evidence-too-thin",
            {"cells": [Reason("thin-cell", {"group": "18-39", "reason": (four,)})]},
        )
    )
    untranslated = _gate(Reason("debiased-unavailable"))
    with i18n.use("es"):
        assert reasons.gate(straddles) == (
            "la estimación puntual incumple el límite; el intervalo abarca el límite: se necesita "
            "más evidencia"
        )
        assert reasons.gate(differs) == "deployment/x: umbral desplegado 0,5000 ≠ evaluado 0,4339"
        assert reasons.gate(thin).startswith("evidencia insuficiente: 18-39: ")
        assert "4 positivos < mínimo 10" in reasons.gate(thin)
        assert reasons.gate(untranslated) == "the debiased ECE is not reported for this statistic"
        assert reasons.gate({"reason": "a reason of a 1.1 file"}) == "a reason of a 1.1 file"
    assert reasons.gate(differs) == "deployment/x: deployed threshold 0.5000 ≠ evaluated 0.4339"


def _emitted_codes() -> set[str]:
    """The reason codes the metrics layer writes: every `Reason("<code>", ...)` in its source."""
    return emitted_reason_codes(REPO / "fairgov" / "metrics")


@pytest.mark.parametrize("lang", LANGS)
def test_every_metric_reason_code_has_english_and_a_translation(lang):
    emitted = _emitted_codes()
    assert {
        "too-few-positives",
        "interval-undefined",
        "groups-excluded",
    } <= emitted  # the scan works
    assert emitted <= METRIC_CODES, sorted(emitted - METRIC_CODES)
    catalog = _catalog(lang)
    for code in sorted(METRIC_CODES):
        assert code in ENGLISH and code in reasons.MESSAGES, code
        message = catalog.get(reasons.MESSAGES[code])
        assert message is not None and message.string and not message.fuzzy, (code, lang)
        assert set(_PLACEHOLDER.findall(message.string)) == set(_PLACEHOLDER.findall(message.id)), (
            code
        )


def _thin_cells(results: dict) -> list[tuple[str, dict]]:
    """(group, stat record) of every non-empty group whose value is undefined (too few
    positives)."""
    out = []
    for attr in results["evaluations"]["evaluation/cxr-demo-probe"]["measure"][
        "attributes"
    ].values():
        for group, cell in attr["groups"].items():
            stat = cell["metrics"]["tpr"]
            if (
                cell["n"]
                and stat["value"] is None
                and "positives < minimum" in (stat["reason"] or "")
            ):
                out.append((group, stat))
    return out


def test_a_thin_groups_reason_is_translated_in_a_spanish_report(built, localized):
    results, _ = built
    thin = _thin_cells(results)
    assert thin, "the fixture build has no thin subgroup"
    group, stat = thin[0]
    (reason,) = stat["reasons"]  # recorded as codes by the measure run, not as a sentence only
    assert reason["code"] == "undefined" and reason["text"] == stat["reason"]
    parts = reason["params"]["reason"]
    assert {p["code"] for p in parts} <= {"too-few-positives", "too-few-negatives"}
    with i18n.use("es"):
        spanish = fmt.cell(stat)["text"]
    counts = {p["code"]: p["params"] for p in parts}
    pos = counts["too-few-positives"]
    assert (
        spanish.startswith("indefinido: ")
        and f"{pos['count']} positivos < mínimo {pos['need']}" in spanish
    )
    text = visible_text(localized["es"]["dossier-st-example-central"])
    assert f"{group} " in text and spanish in text
    assert "positives < minimum" not in text and "negatives < minimum" not in text


def test_unknown_language_is_refused(built, capsys):
    from fairgov.cli.main import main

    results, cp = built
    with pytest.raises(i18n.UnknownLanguage, match="available: en, es, fr"):
        render.render_reports(results, cp, pdf=False, lang="xx")
    assert i18n.current().code == "en"  # the language of a render does not outlive it
    assert main(["build", str(REPO / "tests/fixtures/project"), "--lang", "xx"]) == 2
    err = capsys.readouterr().err
    assert "argument --lang: unknown report language 'xx'; available: en, es, fr" in err


def test_build_passes_the_language_to_the_reports(built, tmp_path, monkeypatch):
    from fairgov.pipeline import build as pipeline

    results, cp = built
    monkeypatch.setenv("FAIRGOV_RENDER_WORKERS", "1")
    monkeypatch.setattr("fairgov.render.pdf.html_to_pdf", lambda html, **kw: (b"%PDF-fake", []))
    written = pipeline.render_reports(tmp_path, results, cp, "fr")
    html = (tmp_path / "reports" / "dossier-st-example-central.html").read_text(encoding="utf-8")
    assert len(written) == 8 and '<html lang="fr">' in html and "Couverture des normes" in html
    deployment = (tmp_path / "reports" / "deployment-st-example-central.html").read_text(
        encoding="utf-8"
    )
    assert '<html lang="fr">' in deployment and (
        "Le dossier de gouvernance dossier-st-example-central.pdf contient le reste"
    ) in deployment


@pytest.mark.slow
def test_spanish_pdf_page_furniture(built):
    from pypdf import PdfReader

    results, cp = built
    (item,) = render.render_reports(results, cp, lang="es", only={"deployment-st-example-central"})
    assert item.pdf is not None and not item.problems
    reader = PdfReader(io.BytesIO(item.pdf))
    n = len(reader.pages)
    first = reader.pages[0].extract_text()
    assert (
        f"Página 1 de {n}" in first and "informe de fairgov" in first and "Page 1 of" not in first
    )
    assert reader.trailer["/Root"]["/Lang"] == "es"


class _Labels(HTMLParser):
    """The text of every heading, question, table header, caption and list item (each whole),
    less the standard-reference tags ("Gebru 1.1", "Datasheets: Motivation": citations, kept as
    cited)."""

    TAGS = {"h3", "h4", "h5", "h6", "th", "caption", "li", "a"}
    PARAGRAPHS = {"question", "section-lead"}  # a plain <p> holds the document's own answers

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, list[str]]] = []
        self.texts: list[str] = []
        self._skip = 0
        self._spans: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span":
            tagged = "tags" in (dict(attrs).get("class") or "").split()
            self._spans.append(tagged)
            self._skip += tagged
        if tag in ("style", "svg", "script"):
            self._skip += 1
        if tag in self.TAGS or (
            tag == "p" and self.PARAGRAPHS & set((dict(attrs).get("class") or "").split())
        ):
            self.open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._spans and self._spans.pop():
            self._skip -= 1
        if tag in ("style", "svg", "script"):
            self._skip = max(0, self._skip - 1)
        if self.open and self.open[-1][0] == tag:
            _, parts = self.open.pop()
            self.texts.append(" ".join("".join(parts).split()))
            if self.open:
                self.open[-1][1].extend(parts)

    def handle_data(self, data: str) -> None:
        if not self._skip and self.open:
            self.open[-1][1].append(data)


def _labels(html: str) -> list[str]:
    parser = _Labels()
    parser.feed(html)
    return parser.texts


@pytest.mark.parametrize("lang", LANGS)
def test_documentation_questions_and_standards_items_are_translated(localized, lang):
    """No spec question, field heading or standards item prints in English in an es/fr report
    (each compared with the English strings the catalog translates differently)."""
    from fairgov.render.datatext import data_messages

    catalog = _catalog(lang)
    english = {text for _, text in data_messages()}
    assert len(english) > 600
    foreign = {
        m
        for m in english
        if len(m) >= 4 and (c := catalog.get(m)) is not None and c.string and c.string != m
    }
    patterns = [(m, re.compile(rf"(^|\s){re.escape(m)}($|\s)")) for m in sorted(foreign)]
    # translations may cite a standard's English title in brackets: those are not leaks
    translated = sorted({catalog.get(m).string for m in foreign}, key=len, reverse=True)
    shown = 0
    for stem, html in localized[lang].items():
        for text in _labels(html):
            for t in translated:
                text = text.replace(t, " ")
            for m, pattern in patterns:
                assert not pattern.search(text), f"{stem}: English {m!r} in {text!r}"
        shown += sum(
            1
            for t in _labels(html)
            for m in ("Intended use", "Bias mitigation")
            if catalog.get(m).string in t
        )
    assert shown > 0  # the translated headings are there
    (dossier,) = [h for s, h in localized[lang].items() if s.startswith("dossier")]
    hti = catalog.get("Name and contact information for the intervention developer").string
    assert hti in visible_text(dossier) or "hti1:1.i" not in dossier
