"""The format-neutral `Graph` of a page (labelled regions, relations, fields) and gold ⇄ graph:
every tool format carries a graph, so gold → tool → gold is lossless."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..ingest import read_page
from ..layers import ENTITY_LABELS

LABELS = ("METRIC", "VALUE", "CHANGE", "BASIS", "PERIOD", "SCOPE", "DIRECTIVE", "CORE", "VERB", "OBJECT",
          "PER", "LOC", "ORG", "TITLE", "BYLINE", "SOURCE", "SECTION", "CONT_FROM", "CONT_TO", "ARTICLE",
          "KICKER", "SUBTITLE", "DATELINE", "CAPTION", "FURNITURE")
# One colour per label (no two labels share one), so a render or a Label Studio task tells them apart.
COLOURS = {"METRIC": "#7aecec", "VALUE": "#bfeeb7", "CHANGE": "#feca74", "BASIS": "#c887fb", "PERIOD": "#dddddd",
           "SCOPE": "#9cc9cc", "DIRECTIVE": "#e4e7d2", "CORE": "#ffeb80", "VERB": "#ff9561", "OBJECT": "#f0d0ff",
           "PER": "#aa9cfc", "LOC": "#ffb3c7", "ORG": "#8fd3ff", "TITLE": "#ffd6a5", "BYLINE": "#e0e0e0",
           "SOURCE": "#d5d5c0", "SECTION": "#ffe0b3", "CONT_FROM": "#d0e8ff", "CONT_TO": "#c2f0e0",
           "ARTICLE": "#f5f5f5", "KICKER": "#ffc9de", "SUBTITLE": "#e8d9b0", "DATELINE": "#b8e0b8",
           "CAPTION": "#cfd8ff", "FURNITURE": "#c8c8c8"}
# A relation's type follows from the label it points at, so arrows drawn without a label still rebuild.
RELATION_OF = {"METRIC": "metric", "CHANGE": "change", "BASIS": "basis", "PERIOD": "period", "SCOPE": "scope",
               "CORE": "core", "VERB": "action", "OBJECT": "object", "TITLE": "title", "BYLINE": "byline",
               "SOURCE": "source_line", "SECTION": "section", "CONT_FROM": "continued_from",
               "CONT_TO": "continued_to", "KICKER": "kicker", "SUBTITLE": "subtitle", "DATELINE": "dateline",
               "CAPTION": "caption"}
# Lower rank = parent; an arrow drawn the wrong way round is turned.
RANK = {"ARTICLE": 0, "DIRECTIVE": 0, "VALUE": 1, "CHANGE": 2, "VERB": 2}
# Gold format 2's analyst fields of a fact travel on its anchor (the VALUE, else the CHANGE).
FACT_FIELDS = ("period_norm", "basis_class", "scope_name", "scope_kind", "modality")
FIELDS = {"VALUE": ("metric_name", "number", "unit", "approx", "low", "high") + FACT_FIELDS,
          "CHANGE": ("metric_name", "number", "unit", "of", "approx", "low", "high") + FACT_FIELDS,
          "DIRECTIVE": ("ordinal", "cue", "issuer", "addressee"),
          "CONT_FROM": ("page",), "CONT_TO": ("page",), "ARTICLE": ("kind",), "FURNITURE": ("kind",)}
VALUE_KEYS = {1: ("number", "unit", "approx", "low", "high"), 2: ("number", "unit", "approx", "low", "high")}
CHANGE_KEYS = {1: ("number", "unit", "of"), 2: ("number", "unit", "of", "approx", "low", "high")}
ALL_FIELDS = tuple(dict.fromkeys(f for fs in FIELDS.values() for f in fs))
INT_FIELDS = ("ordinal", "page")
SHARED = ("METRIC", "BASIS", "PERIOD", "SCOPE")  # one region however many facts point at it
ARTICLE_PARTS = {"title": "TITLE", "byline": "BYLINE", "source_line": "SOURCE", "continued_from": "CONT_FROM",
                 "continued_to": "CONT_TO"}
ARTICLE_PARTS_2 = {"kicker": "KICKER", "subtitle": "SUBTITLE", "dateline": "DATELINE"}  # gold format 2 only
LIST_KEYS = ("articles", "facts", "directives", "entities", "furniture")
CONLL_LAYERS = (("ENT", ENTITY_LABELS), ("FACT", ("METRIC", "VALUE", "CHANGE", "BASIS", "PERIOD", "SCOPE")),
                ("DIRECTIVE", ("DIRECTIVE",)), ("CORE", ("CORE",)), ("ACTION", ("VERB", "OBJECT")),
                ("LAYOUT", ("TITLE", "BYLINE", "SOURCE", "SECTION", "CONT_FROM", "CONT_TO", "KICKER", "SUBTITLE",
                            "DATELINE", "CAPTION")),
                ("ARTICLE", ("ARTICLE",)), ("FURNITURE", ("FURNITURE",)))


class ConvertError(Exception):
    pass


@dataclass
class Region:
    id: str
    label: str
    start: int
    end: int
    fields: dict = field(default_factory=dict)


@dataclass
class Graph:
    """A page as the annotation tools see it: regions, (from, to, type) relations, page metadata."""

    page: dict
    regions: list[Region] = field(default_factory=list)
    relations: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class PageDoc:
    """One page in transit: gold (format 1 or 2), the decoded page text, and whether it is gold or a prediction."""

    gold: dict
    text: str
    kind: str = "gold"  # "gold" | "pred"
    model: str | None = None


# ---------------------------------------------------------------- gold → graph


class _Builder:
    """Collects regions and relations for one page; shared slot spans become one region."""

    def __init__(self, page: dict):
        self.graph = Graph(page)
        self._shared: dict[tuple, str] = {}

    def add(self, label: str, span: dict | None, fields: dict | None = None) -> str | None:
        if span is None:
            return None
        key = (label, span["start"], span["end"])
        if label in SHARED and key in self._shared:
            return self._shared[key]
        rid = f"r{len(self.graph.regions)}"
        kept = {k: v for k, v in (fields or {}).items() if v is not None}
        self.graph.regions.append(Region(rid, label, span["start"], span["end"], kept))
        if label in SHARED:
            self._shared[key] = rid
        return rid

    def link(self, parent: str | None, child: str | None, label: str) -> None:
        if parent is not None and child is not None:
            self.graph.relations.append((parent, child, RELATION_OF[label]))


def _pick(obj: dict | None, keys) -> dict:
    return {k: obj.get(k) for k in keys} if obj else {}


def _add_article(b: _Builder, art: dict) -> None:
    rid = b.add("ARTICLE", art, _pick(art, ("kind",)))
    for key, label in (ARTICLE_PARTS | ARTICLE_PARTS_2).items():
        b.link(rid, b.add(label, art.get(key), _pick(art.get(key), ("page",))), label)
    for section in art.get("sections") or []:
        b.link(rid, b.add("SECTION", section), "SECTION")
    for caption in art.get("captions") or []:
        b.link(rid, b.add("CAPTION", caption), "CAPTION")


def _add_fact(b: _Builder, fact: dict) -> None:
    value, change = fact.get("value"), fact.get("change")
    name = {"metric_name": fact.get("metric_name"), **_pick(fact, FACT_FIELDS)}
    if value:
        anchor = b.add("VALUE", value, {**name, **_pick(value, VALUE_KEYS[2])})
        b.link(anchor, b.add("CHANGE", change, _pick(change, CHANGE_KEYS[2])), "CHANGE")
    else:
        anchor = b.add("CHANGE", change, {**name, **_pick(change, CHANGE_KEYS[2])})
    for slot in ("metric", "basis", "period", "scope"):
        b.link(anchor, b.add(slot.upper(), fact.get(slot)), slot.upper())


def _add_directive(b: _Builder, d: dict) -> None:
    rid = b.add("DIRECTIVE", d, _pick(d, FIELDS["DIRECTIVE"]))
    b.link(rid, b.add("CORE", d.get("core")), "CORE")
    for action in d.get("actions") or []:
        verb = b.add("VERB", action["verb"])
        b.link(rid, verb, "VERB")
        b.link(verb, b.add("OBJECT", action.get("object")), "OBJECT")


def gold_to_graph(gold: dict) -> Graph:
    page = {k: v for k, v in gold.items() if k not in LIST_KEYS and not k.startswith("_")}
    page["format"] = gold.get("format", 1)
    b = _Builder(page)
    for f in gold.get("furniture") or []:
        b.add("FURNITURE", f, {"kind": f.get("kind")})
    for art in gold.get("articles", []):
        _add_article(b, art)
    for fact in gold.get("facts", []):
        _add_fact(b, fact)
    for d in gold.get("directives", []):
        _add_directive(b, d)
    for e in gold.get("entities", []):
        b.add(e["label"], e)
    return b.graph


# ---------------------------------------------------------------- graph → gold


def _orient(regions: dict[str, Region], a: str, b: str) -> tuple[str, str] | None:
    """(parent, child) for an arrow between two regions, whichever way it was drawn."""
    if a not in regions or b not in regions:
        return None
    ra, rb = RANK.get(regions[a].label, 3), RANK.get(regions[b].label, 3)
    return (b, a) if rb < ra else (a, b)


def make_graph(page: dict, regions: list[Region], arrows: list[tuple[str, str]]) -> Graph:
    """A graph from a tool's regions and arrows; relation types follow from the labels."""
    by_id = {r.id: r for r in regions}
    relations = []
    for a, b in arrows:
        pair = _orient(by_id, a, b)
        if pair and by_id[pair[1]].label in RELATION_OF:
            relations.append((*pair, RELATION_OF[by_id[pair[1]].label]))
    return Graph(page, regions, relations)


def _adopt_orphans(graph: Graph, children: dict[str, list]) -> None:
    """Article parts and verbs added in a tool without an arrow belong to the region that contains them."""
    has_parent = {c.id for kids in children.values() for _, c in kids}
    parents = {"ARTICLE": [r for r in graph.regions if r.label == "ARTICLE"],
               "DIRECTIVE": [r for r in graph.regions if r.label == "DIRECTIVE"]}
    for r in graph.regions:
        kind = "DIRECTIVE" if r.label == "VERB" else "ARTICLE" if r.label in ARTICLE_PARTS.values() or \
            r.label == "SECTION" else None
        if kind is None or r.id in has_parent:
            continue
        home = next((p for p in parents[kind] if p.start <= r.start and r.end <= p.end), None)
        if home is not None:
            children[home.id].append((RELATION_OF[r.label], r))


def _typed(name: str, value):
    if value is None or name not in INT_FIELDS:
        return value
    return int(value)


class _Assembler:
    """Rebuilds gold (the format the graph's page names) from a graph, cutting every span's text from the page."""

    def __init__(self, graph: Graph, text: str):
        self.graph, self.text = graph, text
        self.format = int(graph.page.get("format") or 1)
        self.order = {r.id: i for i, r in enumerate(graph.regions)}
        by_id = {r.id: r for r in graph.regions}
        self.children: dict[str, list[tuple[str, Region]]] = defaultdict(list)
        for a, b, kind in graph.relations:
            if a in by_id and b in by_id:
                self.children[a].append((kind, by_id[b]))
        _adopt_orphans(graph, self.children)

    def sort(self, regions) -> list[Region]:
        return sorted(regions, key=lambda r: (r.start, self.order[r.id]))

    def span(self, r: Region | None, *fields) -> dict | None:
        if r is None:
            return None
        out = {"start": r.start, "end": r.end, "text": self.text[r.start:r.end]}
        return out | {f: _typed(f, r.fields.get(f)) for f in fields}

    def kids(self, r: Region, kind: str) -> list[Region]:
        return self.sort(c for k, c in self.children[r.id] if k == kind)

    def first(self, r: Region | None, kind: str) -> Region | None:
        found = [c for k, c in self.children[r.id] if k == kind] if r else []
        return found[0] if found else None

    def of_label(self, *labels) -> list[Region]:
        return self.sort(r for r in self.graph.regions if r.label in labels)

    def article(self, r: Region) -> dict:
        out = {"start": r.start, "end": r.end}
        for key, label in (ARTICLE_PARTS | (ARTICLE_PARTS_2 if self.format == 2 else {})).items():
            part = self.first(r, RELATION_OF[label])
            out[key] = self.span(part) if label not in FIELDS or part is None else \
                {"page": _typed("page", part.fields.get("page")), **self.span(part)}
        out["sections"] = [self.span(s) for s in self.kids(r, "section")]
        if self.format == 2:
            out["captions"] = [self.span(c) for c in self.kids(r, "caption")]
            out["kind"] = r.fields.get("kind") or "article"
        return out

    def fact(self, anchor: Region) -> dict:
        value = anchor if anchor.label == "VALUE" else None
        change = self.first(anchor, "change") if value else anchor
        metric = self.first(anchor, "metric")
        name = anchor.fields.get("metric_name") or (self.text[metric.start:metric.end] if metric else None)
        out = {"metric": self.span(metric), "metric_name": name,
               "value": self.span(value, *VALUE_KEYS[self.format]),
               "change": self.span(change, *CHANGE_KEYS[self.format]),
               "basis": self.span(self.first(anchor, "basis")), "period": self.span(self.first(anchor, "period")),
               "scope": self.span(self.first(anchor, "scope"))}
        if self.format == 2:
            out |= {k: anchor.fields.get(k) for k in FACT_FIELDS}
            out["modality"] = out["modality"] or "actual"
        return out

    def directive(self, r: Region) -> dict:
        actions = [{"verb": self.span(v), "object": self.span(self.first(v, "object"))} for v in self.kids(r, "action")]
        return {**self.span(r, *FIELDS["DIRECTIVE"]), "core": self.span(self.first(r, "core")), "actions": actions}

    def fact_anchors(self) -> list[Region]:
        """Every VALUE, and every CHANGE that no VALUE claims."""
        claimed = {c.id for r in self.graph.regions if r.label == "VALUE" for k, c in self.children[r.id]
                   if k == "change"}
        return self.sort(r for r in self.graph.regions
                         if r.label == "VALUE" or (r.label == "CHANGE" and r.id not in claimed))

    def gold(self, page: dict) -> dict:
        furniture = {"furniture": [{**self.span(r), "kind": r.fields.get("kind")} for r in self.of_label("FURNITURE")]}
        page = {k: v for k, v in page.items() if k != "format"}
        return {"format": self.format, **page, **(furniture if self.format == 2 else {}),
                "articles": [self.article(r) for r in self.of_label("ARTICLE")],
                "facts": [self.fact(r) for r in self.fact_anchors()],
                "directives": [self.directive(r) for r in self.of_label("DIRECTIVE")],
                "entities": [{**self.span(r), "label": r.label} for r in self.of_label(*ENTITY_LABELS)]}


def graph_to_gold(graph: Graph, text: str, page: dict | None = None) -> dict:
    """Gold in the graph's format; `page` (file, path, sha256, encoding, split) overrides its metadata."""
    meta = {**graph.page, **(page or {})}
    head = {k: meta.pop(k, None) for k in ("file", "path", "sha256", "encoding", "split")}
    return _Assembler(graph, text).gold({**head, **meta})


# ---------------------------------------------------------------- predictions and pages


def _number(x) -> str | None:
    """A page-JSON number as gold writes it: an exact decimal string."""
    if x is None:
        return None
    return str(x) if isinstance(x, int) else format(Decimal(str(x)), "f")


def _pred_fact(f: dict) -> dict:
    value, change = f.get("value"), f.get("change")
    if value:
        value = {**value, **{k: _number(value.get(k)) for k in ("number", "low", "high")}}
    if change:
        change = {**change, "number": _number(change.get("number"))}
    return {"metric": f["metric"], "metric_name": f["metric_name"], "value": value, "change": change,
            "basis": f.get("basis"), "period": f.get("period"), "scope": f.get("scope")}


def prediction_to_gold(doc: dict, split: str | None = None) -> dict:
    """Page JSON (`baozhi extract`) → gold format 1, so predictions go out as pre-annotations."""
    src, arts = doc["source"], doc["articles"]
    articles = [{"start": a["start"], "end": a["end"], "title": a.get("title_span"),
                 **{k: a.get(k) for k in ("byline", "source_line", "continued_from", "continued_to")},
                 "sections": a.get("sections", [])} for a in arts]
    return {"format": 1, "file": Path(src["path"]).name, "path": src["path"], "sha256": src["sha256"],
            "encoding": src["encoding"], "split": split or "train", "articles": articles,
            "facts": [_pred_fact(f) for a in arts for f in a["facts"]],
            "directives": [dict(d) for a in arts for d in a["directives"]],
            "entities": [dict(e) for a in arts for e in a["entities"]]}


def page_info(path: str | Path) -> tuple[str, dict]:
    """The decoded page text and the gold metadata recomputed from its bytes."""
    text, source = read_page(path)
    return text, {"file": Path(path).name, "sha256": source.sha256, "encoding": source.encoding}


class PageFinder:
    """Locates the page file an exported task names: by file name among --pages, else by its path."""

    def __init__(self, pages: list[str] | None):
        self.by_name: dict[str, Path] = {}
        for p in map(Path, pages or []):
            for f in sorted(p.rglob("*")) if p.is_dir() else [p]:
                if f.is_file():
                    self.by_name.setdefault(f.name, f)

    def find(self, file: str | None, path: str | None) -> Path:
        if file and file in self.by_name:
            return self.by_name[file]
        if path and Path(path).is_file():
            return Path(path)
        if file and not self.by_name and Path(file).is_file():
            return Path(file)
        raise ConvertError(f"page {path or file or '?'} not found (give it with --pages)")


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def import_graph(graph: Graph, finder: PageFinder, annotated_text: str | None, split: str | None) -> PageDoc:
    """Graph from a tool + its page file → gold, checking the page is the text that was annotated."""
    path = finder.find(graph.page.get("file"), graph.page.get("path"))
    text, recomputed = page_info(path)
    name = graph.page.get("file") or path.name
    if annotated_text is not None and annotated_text != text:
        raise ConvertError(f"{name}: {path} is not the text that was annotated (the page changed since export?)")
    for r in graph.regions:
        if not 0 <= r.start <= r.end <= len(text):
            raise ConvertError(f"{name}: region {r.id} [{r.start}:{r.end}] is outside the page")
    page = {"path": graph.page.get("path") or _rel(path), **recomputed, "file": name}
    page["split"] = split or graph.page.get("split") or "train"
    return PageDoc(graph_to_gold(graph, text, page), text)

def read_json(path: str | Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConvertError(f"{path}: not a readable JSON file ({exc})") from exc


def read_jsonl(path: str | Path) -> list[dict]:
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
        return [json.loads(line) for line in raw.splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConvertError(f"{path}: not a readable JSON Lines file ({exc})") from exc
