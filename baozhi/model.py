"""The typed data model shared by every stage.

All offsets (`start`, `end`) are indices into the *original decoded text* of a page, so a
user can always check ``original[start:end] == text``. Stages that work on a transformed
copy (folded, repaired, simplified) map their offsets back through `TextView.to_original`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from .numbers import number_to_json

SCHEMA_VERSION = "1.2"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Repair:
    """One edit made by layout repair, for `--explain`."""

    kind: str  # "join_line" | "dup_unit" | "blank_run"
    start: int  # original offsets of the removed text
    end: int
    removed: str
    note: str


@dataclass
class TextView:
    """A processing copy of the page and its map back to the original.

    `text[i]` corresponds to `original[index[i]]`. Every transformation we apply is a
    one-to-one character replacement (full-width folding, traditional→simplified) or a
    deletion (layout repair), so one monotone index list is enough.
    """

    original: str
    text: str
    index: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            pos = self.index[start] if start < len(self.index) else len(self.original)
            return pos, pos
        return self.index[start], self.index[end - 1] + 1

    def span(self, start: int, end: int) -> Span:
        s, e = self.to_original(start, end)
        return Span(s, e, self.original[s:e])

    def from_original(self, pos: int) -> int:
        """The first view position at or after an original offset."""
        return bisect_right(self.index, pos - 1)


@dataclass
class Source:
    path: str
    sha256: str
    encoding: str
    encoding_reason: str
    converted_from_traditional: bool = False
    decode_errors: int = 0  # invalid byte sequences replaced by U+FFFD (lenient decoding)


@dataclass
class Value:
    span: Span
    number: Decimal
    unit: str
    approx: str | None = None
    low: Decimal | None = None
    high: Decimal | None = None


@dataclass
class Change:
    span: Span
    number: Decimal
    unit: str
    of: str  # "level" | "rate"


@dataclass
class Fact:
    metric: Span
    metric_name: str
    value: Value | None
    change: Change | None
    basis: Span | None
    period: Span | None
    scope: Span | None
    evidence: Span
    period_norm: str | None = None
    basis_class: str | None = None  # lexicon.BASIS_CLASSES
    scope_kind: str | None = None  # lexicon.SCOPE_KINDS
    modality: str = "actual"  # lexicon.MODALITIES


@dataclass
class Action:
    verb: Span
    object: Span


@dataclass
class Directive:
    span: Span
    ordinal: int | None
    cue: str | None
    issuer: str | None
    addressee: str | None
    core: Span
    actions: list[Action] = field(default_factory=list)


@dataclass
class Entity:
    span: Span
    label: str


@dataclass
class Check:
    kind: str  # "sum" | "share"
    status: str  # "ok" | "mismatch"
    description: str
    expected: Decimal
    computed: Decimal
    facts: list[int] = field(default_factory=list)  # indices into the article's facts


@dataclass
class Continuation:
    page: int
    span: Span


@dataclass
class Furniture:
    """A line (or box) of the page that is not article content: masthead, credit, contact, 导读 …"""

    kind: str  # lexicon.FURNITURE_KINDS
    span: Span


@dataclass
class PageInfo:
    """What the masthead or running head says about the page."""

    masthead: Span | None = None
    paper: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    page: int | None = None
    section: str | None = None

    def to_json(self) -> dict:
        return {"masthead": _span(self.masthead), "paper": self.paper, "date": self.date, "page": self.page,
                "section": self.section}


@dataclass
class Article:
    start: int
    end: int
    title: Span | None
    kicker: Span | None = None
    subtitle: Span | None = None
    dateline: Span | None = None
    kind: str = "article"  # "article" | "brief" | "qa"
    captions: list[Span] = field(default_factory=list)
    byline: Span | None = None
    source_line: Span | None = None
    continued_from: Continuation | None = None
    continued_to: Continuation | None = None
    sections: list[Span] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


@dataclass
class PageResult:
    source: Source
    articles: list[Article]
    repairs: list[Repair]
    extractor: str
    original: str = field(repr=False, default="")
    page: PageInfo = field(default_factory=PageInfo)
    furniture: list[Furniture] = field(default_factory=list)

    def to_json(self) -> dict:
        """The page as the JSON Schema's document (`baozhi extract --format json`)."""
        return page_to_json(self)

    @property
    def facts(self) -> list[Fact]:
        """Every article's facts, in page order."""
        return [f for a in self.articles for f in a.facts]

    @property
    def directives(self) -> list[Directive]:
        return [d for a in self.articles for d in a.directives]

    @property
    def entities(self) -> list[Entity]:
        return [e for a in self.articles for e in a.entities]

    def tables(self, page_id: str | None = None) -> dict:
        """The batch tables of this page as pyarrow Tables: articles, facts, directives, entities."""
        from .tables import PageMeta, page_rows, to_table  # pyarrow only when asked for

        rows = page_rows(PageMeta(page_id or self.source.path), self)
        return {name: to_table(name, part) for name, part in rows.items()}

    def to_arrow(self, table: str = "facts", page_id: str | None = None):
        """One batch table (`facts`, `articles`, `directives`, `entities`) as a pyarrow Table."""
        return self.tables(page_id)[table]

    def to_pandas(self, table: str = "facts", page_id: str | None = None):
        """One batch table as a pandas DataFrame (the same columns as the Parquet tables)."""
        return self.to_arrow(table, page_id).to_pandas()

    def to_spacy(self, nlp=None):
        """A character-tokenised spaCy Doc of the original text with `doc.spans["facts"]` (labelled by
        metric name), `doc.spans["directives"]` (by cue) and `doc.ents`, for displaCy's span renderer."""
        import spacy  # spaCy only when asked for
        from spacy.tokens import Doc

        vocab = (nlp or spacy.blank("xx")).vocab
        doc = Doc(vocab, words=list(self.original), spaces=[False] * len(self.original))
        facts, directives, ents = [], [], []
        for a in self.articles:
            for f in a.facts:
                facts.append(doc.char_span(f.evidence.start, f.evidence.end, label=f.metric_name or "FACT"))
            for d in a.directives:
                directives.append(doc.char_span(d.span.start, d.span.end, label=d.cue or "DIRECTIVE"))
            ents += [doc.char_span(e.span.start, e.span.end, label=e.label) for e in a.entities]
        doc.spans["facts"] = [s for s in facts if s is not None]
        doc.spans["directives"] = [s for s in directives if s is not None]
        doc.ents = spacy.util.filter_spans([s for s in ents if s is not None])
        return doc


def _span(span: Span | None) -> dict | None:
    return span.to_json() if span else None


def fact_to_json(fact: Fact) -> dict:
    value = None
    if fact.value:
        v = fact.value
        value = {**v.span.to_json(), "number": number_to_json(v.number), "unit": v.unit, "approx": v.approx,
                 "low": number_to_json(v.low), "high": number_to_json(v.high)}
    change = None
    if fact.change:
        c = fact.change
        change = {**c.span.to_json(), "number": number_to_json(c.number), "unit": c.unit, "of": c.of}
    return {
        "metric": fact.metric.to_json(),
        "metric_name": fact.metric_name,
        "value": value,
        "change": change,
        "basis": _span(fact.basis),
        "period": _span(fact.period),
        "scope": _span(fact.scope),
        "evidence": {"start": fact.evidence.start, "end": fact.evidence.end},
        "period_norm": fact.period_norm,
        "basis_class": fact.basis_class,
        "scope_kind": fact.scope_kind,
        "modality": fact.modality,
    }


def directive_to_json(d: Directive) -> dict:
    return {
        **d.span.to_json(),
        "ordinal": d.ordinal,
        "cue": d.cue,
        "issuer": d.issuer,
        "addressee": d.addressee,
        "core": d.core.to_json(),
        "actions": [{"verb": a.verb.to_json(), "object": a.object.to_json()} for a in d.actions],
    }


def _continuation(c: Continuation | None) -> dict | None:
    return {"page": c.page, **c.span.to_json()} if c else None


def article_to_json(a: Article) -> dict:
    return {
        "title": a.title.text if a.title else None,
        "title_span": _span(a.title),
        "kicker": _span(a.kicker),
        "subtitle": _span(a.subtitle),
        "dateline": _span(a.dateline),
        "kind": a.kind,
        "captions": [c.to_json() for c in a.captions],
        "start": a.start,
        "end": a.end,
        "byline": _span(a.byline),
        "source_line": _span(a.source_line),
        "continued_from": _continuation(a.continued_from),
        "continued_to": _continuation(a.continued_to),
        "sections": [s.to_json() for s in a.sections],
        "facts": [fact_to_json(f) for f in a.facts],
        "directives": [directive_to_json(d) for d in a.directives],
        "entities": [{**e.span.to_json(), "label": e.label} for e in a.entities],
        "checks": [
            {"kind": c.kind, "status": c.status, "description": c.description,
             "expected": number_to_json(c.expected), "computed": number_to_json(c.computed), "facts": c.facts}
            for c in a.checks
        ],
    }


def page_to_json(page: PageResult) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "source": asdict(page.source),
        "extractor": page.extractor,
        "repairs": [asdict(r) for r in page.repairs],
        "page": page.page.to_json(),
        "furniture": [{"kind": f.kind, **f.span.to_json()} for f in page.furniture],
        "articles": [article_to_json(a) for a in page.articles],
    }
