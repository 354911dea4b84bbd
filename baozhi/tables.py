"""Analyst tables: flatten page results into rows with fixed Arrow schemas (Parquet parts).

Fixed schemas keep the files byte-identical whatever the batch's worker count, and let
pandas/DuckDB read a folder of parts as one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from typing import TYPE_CHECKING

import pyarrow as pa

from .numbers import number_to_json

if TYPE_CHECKING:
    from .model import PageResult


@dataclass(frozen=True)
class PageMeta:
    page_id: str
    paper: str | None = None
    date: str | None = None
    page: int | None = None


_KEY = [("page_id", pa.string()), ("paper", pa.string()), ("date", pa.date32()), ("page", pa.int32()),
        ("article_index", pa.int32())]

ARTICLES = pa.schema(_KEY + [
    ("title", pa.string()), ("kicker", pa.string()), ("subtitle", pa.string()), ("kind", pa.string()),
    ("dateline", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("byline", pa.string()),
    ("source_line", pa.string()), ("continued_from_page", pa.int32()), ("continued_to_page", pa.int32()),
    ("sections", pa.list_(pa.string())), ("n_facts", pa.int32()), ("n_directives", pa.int32()),
    ("n_entities", pa.int32()), ("checks_ok", pa.int32()), ("checks_mismatch", pa.int32()),
    ("source_sha256", pa.string()), ("encoding", pa.string()), ("extractor", pa.string()),
])
FACTS = pa.schema(_KEY + [
    ("article_title", pa.string()), ("metric", pa.string()), ("metric_name", pa.string()),
    ("value_text", pa.string()), ("value_number", pa.float64()), ("value_exact", pa.string()),
    ("value_unit", pa.string()), ("value_approx", pa.string()), ("value_low", pa.float64()),
    ("value_high", pa.float64()),
    ("change_text", pa.string()), ("change_number", pa.float64()), ("change_exact", pa.string()),
    ("change_unit", pa.string()), ("change_of", pa.string()),
    ("basis", pa.string()), ("basis_class", pa.string()), ("period", pa.string()), ("period_norm", pa.string()),
    ("scope", pa.string()), ("scope_kind", pa.string()), ("modality", pa.string()),
    ("evidence", pa.string()), ("evidence_start", pa.int64()), ("evidence_end", pa.int64()),
    ("metric_start", pa.int64()), ("metric_end", pa.int64()),
    ("value_start", pa.int64()), ("value_end", pa.int64()), ("change_start", pa.int64()), ("change_end", pa.int64()),
    ("extractor", pa.string()),
])
DIRECTIVES = pa.schema(_KEY + [
    ("article_title", pa.string()), ("ordinal", pa.int32()), ("cue", pa.string()), ("issuer", pa.string()),
    ("addressee", pa.string()), ("core", pa.string()), ("text", pa.string()), ("start", pa.int64()),
    ("end", pa.int64()), ("actions", pa.list_(pa.struct([("verb", pa.string()), ("object", pa.string())]))),
    ("extractor", pa.string()),
])
ENTITIES = pa.schema(_KEY + [
    ("text", pa.string()), ("label", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
    ("extractor", pa.string()),
])
SCHEMAS = {"articles": ARTICLES, "facts": FACTS, "directives": DIRECTIVES, "entities": ENTITIES}


def _text(span) -> str | None:
    return span.text if span else None


def _float(x) -> float | None:
    v = number_to_json(x)
    return None if v is None else float(v)


def _date(text: str | None) -> Date | None:
    try:
        return Date.fromisoformat(text) if text else None
    except ValueError:  # a path pattern's impossible date (2024-02-31) is no date
        return None


def page_rows(meta: PageMeta, page: PageResult) -> dict[str, list[dict]]:
    key = {"page_id": meta.page_id, "paper": meta.paper, "date": _date(meta.date), "page": meta.page}
    rows: dict[str, list[dict]] = {name: [] for name in SCHEMAS}
    for i, a in enumerate(page.articles):
        k = {**key, "article_index": i}
        title = _text(a.title)
        rows["articles"].append({
            **k, "title": title, "kicker": _text(a.kicker), "subtitle": _text(a.subtitle), "kind": a.kind,
            "dateline": _text(a.dateline), "start": a.start, "end": a.end, "byline": _text(a.byline),
            "source_line": _text(a.source_line),
            "continued_from_page": a.continued_from.page if a.continued_from else None,
            "continued_to_page": a.continued_to.page if a.continued_to else None,
            "sections": [s.text for s in a.sections], "n_facts": len(a.facts), "n_directives": len(a.directives),
            "n_entities": len(a.entities), "checks_ok": sum(c.status == "ok" for c in a.checks),
            "checks_mismatch": sum(c.status == "mismatch" for c in a.checks),
            "source_sha256": page.source.sha256, "encoding": page.source.encoding, "extractor": page.extractor,
        })
        for f in a.facts:
            v, c = f.value, f.change
            rows["facts"].append({
                **k, "article_title": title, "metric": f.metric.text, "metric_name": f.metric_name,
                "value_text": v.span.text if v else None, "value_number": _float(v.number) if v else None,
                "value_exact": str(v.number) if v else None, "value_unit": v.unit if v else None,
                "value_approx": v.approx if v else None, "value_low": _float(v.low) if v else None,
                "value_high": _float(v.high) if v else None,
                "change_text": c.span.text if c else None, "change_number": _float(c.number) if c else None,
                "change_exact": str(c.number) if c else None, "change_unit": c.unit if c else None,
                "change_of": c.of if c else None,
                "basis": _text(f.basis), "basis_class": f.basis_class, "period": _text(f.period),
                "period_norm": f.period_norm, "scope": _text(f.scope), "scope_kind": f.scope_kind,
                "modality": f.modality,
                "evidence": page.original[f.evidence.start:f.evidence.end], "evidence_start": f.evidence.start,
                "evidence_end": f.evidence.end, "metric_start": f.metric.start, "metric_end": f.metric.end,
                "value_start": v.span.start if v else None, "value_end": v.span.end if v else None,
                "change_start": c.span.start if c else None, "change_end": c.span.end if c else None,
                "extractor": page.extractor,
            })
        for d in a.directives:
            rows["directives"].append({
                **k, "article_title": title, "ordinal": d.ordinal, "cue": d.cue, "issuer": d.issuer,
                "addressee": d.addressee, "core": d.core.text, "text": d.span.text, "start": d.span.start,
                "end": d.span.end, "actions": [{"verb": x.verb.text, "object": x.object.text} for x in d.actions],
                "extractor": page.extractor,
            })
        for e in a.entities:
            rows["entities"].append({**k, "text": e.span.text, "label": e.label, "start": e.span.start,
                                     "end": e.span.end, "extractor": page.extractor})
    return rows


def to_table(name: str, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMAS[name])
