"""Annotation interchange: gold (format 1 and 2) ⇄ Label Studio and doccano; gold → spaCy DocBin and CoNLL/BIO.

People correct annotations in annotation tools, not in stand-off JSON. Every page is flattened into a
`Graph` (labelled regions, relations between them, and the non-span fields of each region), which each
tool format can carry, and rebuilt from it, so gold → tool → gold is lossless. Offsets are Python string
indices (Unicode code points) into the decoded page, as in gold; Label Studio and doccano count the same
way over the same `text`. Imports re-read the page, so sha256, encoding and every span's text come from
the page itself.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .files import write_atomic
from .ingest import read_page
from .layers import ENTITY_LABELS
from .lexicon import SENTENCE_END

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


# ---------------------------------------------------------------- Label Studio


def _ls_region(r: Region, text: str) -> dict:
    return {"id": r.id, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": r.start, "end": r.end, "text": text[r.start:r.end], "labels": [r.label]}}


def _ls_fields(r: Region) -> list[dict]:
    """Per-region TextArea results (same id as the region) carry the non-span fields."""
    return [{"id": r.id, "from_name": name, "to_name": "text", "type": "textarea",
             "value": {"start": r.start, "end": r.end, "text": [str(value)]}}
            for name, value in r.fields.items()]


def to_labelstudio(doc: PageDoc) -> dict:
    """One Label Studio task: `annotations` for gold, `predictions` for extractor output."""
    graph = gold_to_graph(doc.gold)
    result = [_ls_region(r, doc.text) for r in graph.regions]
    result += [item for r in graph.regions for item in _ls_fields(r)]
    result += [{"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [kind]}
               for a, b, kind in graph.relations]
    task = {"data": {"text": doc.text, **graph.page}}
    if doc.kind == "gold":
        task["annotations"] = [{"result": result, "ground_truth": False}]
    else:
        task["predictions"] = [{"model_version": doc.model or "baozhi", "result": result}]
    return task


def labelstudio_config() -> str:
    """The labeling config the tasks expect: span labels, relation labels, per-region field boxes."""
    labels = "\n".join(f"    <Label value=\"{name}\" background=\"{COLOURS[name]}\"/>" for name in LABELS)
    relations = "\n".join(f"    <Relation value=\"{kind}\"/>" for kind in dict.fromkeys(RELATION_OF.values()))
    boxes = "\n".join(f"    <TextArea name=\"{name}\" toName=\"text\" perRegion=\"true\" editable=\"true\" "
                      f"maxSubmissions=\"1\" placeholder={quoteattr(name)}/>" for name in ALL_FIELDS)
    return ("<View>\n  <Style>.htx-text { white-space: pre-wrap; }</Style>\n"
            f"  <Labels name=\"label\" toName=\"text\">\n{labels}\n  </Labels>\n"
            f"  <Relations>\n{relations}\n  </Relations>\n"
            "  <Text name=\"text\" value=\"$text\"/>\n"
            f"  <View visibleWhen=\"region-selected\">\n{boxes}\n  </View>\n</View>\n")


def _ls_result(task: dict) -> list[dict]:
    """The newest non-cancelled annotation, else the first prediction."""
    done = [a for a in task.get("annotations") or task.get("completions") or []
            if isinstance(a, dict) and not a.get("was_cancelled")]
    if done:
        return done[-1].get("result") or []
    preds = [p for p in task.get("predictions") or [] if isinstance(p, dict)]  # exports may list ids only
    return (preds[0].get("result") or []) if preds else []


def _ls_field_value(value: dict):
    got = value.get("text", value.get("choices"))
    if isinstance(got, list):
        return "\n".join(map(str, got)) if got else None
    return got


def labelstudio_graph(task: dict, name: str) -> Graph:
    data = task.get("data") or {}
    regions, fields, arrows = {}, defaultdict(dict), []
    for item in _ls_result(task):
        kind, value = item.get("type"), item.get("value") or {}
        if kind == "labels" and value.get("labels"):
            regions[item["id"]] = Region(item["id"], value["labels"][0], int(value["start"]), int(value["end"]))
            if "text" in value and value["text"] != data.get("text", "")[value["start"]:value["end"]]:
                raise ConvertError(f"{name}: region {item['id']} [{value['start']}:{value['end']}] says "
                                   f"{value['text']!r}, the text there is different (offsets not in code points?)")
        elif kind in ("textarea", "choices") and item.get("from_name") in ALL_FIELDS:
            fields[item["id"]][item["from_name"]] = _ls_field_value(value)
        elif kind == "relation":
            pair = (item["from_id"], item["to_id"])
            arrows.append(pair[::-1] if item.get("direction") == "left" else pair)
    for rid, values in fields.items():
        if rid in regions:
            regions[rid].fields.update({k: v for k, v in values.items() if v is not None})
    page = {k: v for k, v in data.items() if k != "text"}
    return make_graph(page, list(regions.values()), arrows)


def from_labelstudio(path: str | Path, finder: PageFinder, split: str | None = None) -> list[PageDoc]:
    tasks = _read_json(path)
    tasks = tasks if isinstance(tasks, list) else [tasks]
    docs = []
    for i, task in enumerate(tasks):
        name = f"{path} task {task.get('id', i)}"
        docs.append(import_graph(labelstudio_graph(task, name), finder, (task.get("data") or {}).get("text"), split))
    return docs


# ---------------------------------------------------------------- doccano


def _field_keys(regions: list[Region]) -> list[str]:
    """`LABEL:start:end`, numbered when repeated: doccano renumbers entity ids, offsets survive."""
    seen: Counter = Counter()
    keys = []
    for r in regions:
        key = f"{r.label}:{r.start}:{r.end}"
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def to_doccano(doc: PageDoc, number: int) -> dict:
    """One doccano relation-extraction line; non-span fields go in `meta`."""
    graph = gold_to_graph(doc.gold)
    ids = {r.id: i for i, r in enumerate(graph.regions)}
    fields = {key: r.fields for key, r in zip(_field_keys(graph.regions), graph.regions, strict=True) if r.fields}
    return {"id": number, "text": doc.text,
            "entities": [{"id": ids[r.id], "label": r.label, "start_offset": r.start, "end_offset": r.end}
                         for r in graph.regions],
            "relations": [{"id": i, "from_id": ids[a], "to_id": ids[b], "type": kind}
                          for i, (a, b, kind) in enumerate(graph.relations)],
            "meta": {"page": graph.page, "fields": fields}}


def _doccano_meta(line: dict) -> dict:
    meta = line.get("meta") or {k: line[k] for k in ("page", "fields") if k in line}
    return json.loads(meta) if isinstance(meta, str) else meta


def doccano_graph(line: dict) -> Graph:
    meta = _doccano_meta(line)
    entities = line.get("entities")
    if entities is None:  # the older sequence-labelling export: "label": [[start, end, LABEL], ...]
        entities = [{"id": i, "start_offset": s, "end_offset": e, "label": lab}
                    for i, (s, e, lab) in enumerate(line.get("label") or [])]
    regions = [Region(str(e["id"]), e["label"], int(e["start_offset"]), int(e["end_offset"])) for e in entities]
    fields = meta.get("fields") or {}
    for key, r in zip(_field_keys(regions), regions, strict=True):
        r.fields.update(fields.get(key) or {})
    arrows = [(str(rel["from_id"]), str(rel["to_id"])) for rel in line.get("relations") or []]
    return make_graph(dict(meta.get("page") or {}), regions, arrows)


def from_doccano(path: str | Path, finder: PageFinder, split: str | None = None) -> list[PageDoc]:
    docs = []
    for n, line in enumerate(_read_jsonl(path), 1):
        graph = doccano_graph(line)
        try:
            docs.append(import_graph(graph, finder, line.get("text"), split))
        except ConvertError as exc:
            raise ConvertError(f"{path} line {n}: {exc}") from exc
    return docs


# ---------------------------------------------------------------- spaCy and CoNLL


def to_docbin(docs: list[PageDoc]) -> bytes:
    """A DocBin with one character per token (every offset aligns); PER/LOC/ORG in doc.ents where
    they do not overlap, every label in doc.spans[LABEL], the gold itself in doc.user_data["gold"]."""
    from spacy.tokens import Doc, DocBin
    from spacy.util import filter_spans
    from spacy.vocab import Vocab

    vocab, out = Vocab(), DocBin(store_user_data=True)
    for page in docs:
        doc = Doc(vocab, words=list(page.text), spaces=[False] * len(page.text))
        spans = defaultdict(list)
        for r in gold_to_graph(page.gold).regions:
            span = doc.char_span(r.start, r.end, label=r.label)
            if span is not None:
                spans[r.label].append(span)
        for label in LABELS:
            doc.spans[label] = spans[label]
        doc.ents = filter_spans([s for label in ENTITY_LABELS for s in spans[label]])
        doc.user_data["gold"] = {k: v for k, v in page.gold.items() if not k.startswith("_")}
        out.add(doc)
    return out.to_bytes()


def _bio(length: int, regions: list[Region]) -> list[str]:
    """BIO tags of one layer; a region overlapping an earlier (longer-first) one is left out."""
    tags = ["O"] * length
    for r in sorted(regions, key=lambda r: (r.start, -r.end)):
        if r.end > r.start and all(t == "O" for t in tags[r.start:r.end]):
            tags[r.start:r.end] = [f"B-{r.label}"] + [f"I-{r.label}"] * (r.end - r.start - 1)
    return tags


def _inside(length: int, regions: list[Region]) -> list[bool]:
    """inside[i]: a short span runs across the boundary before character i (no sentence break there)."""
    inside = [False] * (length + 1)
    for r in regions:
        if r.label not in ("ARTICLE", "DIRECTIVE"):
            for i in range(r.start + 1, r.end):
                inside[i] = True
    return inside


def to_conll(docs: list[PageDoc]) -> str:
    """One non-whitespace character per line: CHAR, OFFSET and a BIO column per layer; a blank line
    between sentences and paragraphs."""
    lines = []
    for page in docs:
        text, regions = page.text, gold_to_graph(page.gold).regions
        columns = [_bio(len(text), [r for r in regions if r.label in labels]) for _, labels in CONLL_LAYERS]
        inside = _inside(len(text), regions)
        lines += [f"# doc = {page.gold.get('file')}", "# columns = CHAR OFFSET " +
                  " ".join(name for name, _ in CONLL_LAYERS)]
        pending = False
        for i, ch in enumerate(text):
            if pending and not inside[i] and lines[-1] != "":
                lines.append("")
            pending = pending or ch == "\n"
            if ch.isspace():
                continue
            lines.append("\t".join([ch, str(i), *(col[i] for col in columns)]))
            pending = ch in SENTENCE_END
        if lines[-1] != "":
            lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- reading and writing files


def _read_json(path: str | Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConvertError(f"{path}: not a readable JSON file ({exc})") from exc


def _read_jsonl(path: str | Path) -> list[dict]:
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
        return [json.loads(line) for line in raw.splitlines() if line.strip()]
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConvertError(f"{path}: not a readable JSON Lines file ({exc})") from exc


def sniff(path: str | Path) -> str:
    """What an input is: page, pred, gold, labelstudio or doccano."""
    path = Path(path)
    if path.is_dir():
        return "gold" if any(path.glob("*.json")) else "page"
    if path.suffix == ".jsonl":
        first = next(iter(_read_jsonl(path)), {})
        return "pred" if "source" in first else "doccano"
    if path.suffix != ".json":
        if _looks_tagged(path):
            raise ConvertError(f"{path}: a token-per-line tagged file (CoNLL/BIO), not a page; it can only be "
                               "written (--to conll), not read")
        return "page"
    data = _read_json(path)
    first = (data[0] if data else {}) if isinstance(data, list) else data
    if isinstance(first, dict) and first.get("format") in (1, 2) and first.get("kind", "page") == "page":
        return "gold"
    if isinstance(first, dict) and "data" in first:
        return "labelstudio"
    if isinstance(first, dict) and "source" in first:
        return "pred"
    raise ConvertError(f"{path}: cannot tell what this file is (give --from)")


def _looks_tagged(path: Path, sample: int = 200) -> bool:
    """Most lines of the file's head are `token TAG` with a BIO-style tag: CoNLL, not newspaper text."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = [line.split() for _, line in zip(range(sample), fh, strict=False) if line.strip()]
    except OSError:
        return False
    tagged = sum(1 for parts in lines if len(parts) >= 2 and (parts[-1] == "O" or parts[-1][:2] in ("B-", "I-",
                                                                                                  "E-", "S-")))
    return bool(lines) and tagged >= 0.8 * len(lines)


def gold_json(gold: dict) -> str:
    return json.dumps({k: v for k, v in gold.items() if not k.startswith("_")}, ensure_ascii=False, indent=1) + "\n"


def write_docs(docs: list[PageDoc], target: str, out: str | Path) -> list[Path]:
    """Write `docs` as `target` to `out` (a folder for gold); every file atomically. The written paths."""

    out = Path(out)
    if target == "labelstudio":
        config = out.with_name(out.stem + ".config.xml")
        write_atomic(out, json.dumps([to_labelstudio(d) for d in docs], ensure_ascii=False, indent=1) + "\n")
        write_atomic(config, labelstudio_config())
        return [out, config]
    if target == "doccano":
        write_atomic(out, "".join(json.dumps(to_doccano(d, i), ensure_ascii=False) + "\n"
                                  for i, d in enumerate(docs, 1)))
        return [out]
    if target == "spacy":
        write_atomic(out, to_docbin(docs))
        return [out]
    if target == "conll":
        write_atomic(out, to_conll(docs))
        return [out]
    if target == "gold":
        return _write_gold(docs, out)
    raise ConvertError(f"unknown target format {target!r}")


def _write_gold(docs: list[PageDoc], out: Path) -> list[Path]:

    if out.suffix == ".json":
        if len(docs) != 1:
            raise ConvertError(f"{out}: {len(docs)} pages need a folder, not one .json file")
        paths = [out]
    else:
        paths = [out / f"{Path(d.gold['file']).stem}.json" for d in docs]
    for path, doc in zip(paths, docs, strict=True):
        write_atomic(path, gold_json(doc.gold))
    return paths


# ---------------------------------------------------------------- reading inputs


def _page_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".txt", ".html", ".htm"))


def read_pages(path: Path, extractor, split: str | None) -> list[PageDoc]:
    """Run the extractor: its output goes out as predictions."""
    from .model import page_to_json

    docs = []
    for page in _page_files(path):
        result = extractor.extract_file(page)
        docs.append(PageDoc(prediction_to_gold(page_to_json(result), split), result.original, "pred",
                            result.extractor))
    return docs


def read_predictions(path: Path, finder: PageFinder, split: str | None) -> list[PageDoc]:
    """Page JSON/JSONL from `baozhi extract`, with the pages they were extracted from."""
    data = _read_jsonl(path) if path.suffix == ".jsonl" else _read_json(path)
    docs = []
    for doc in data if isinstance(data, list) else [data]:
        src = doc["source"]
        page = finder.find(Path(src["path"]).name, src["path"])
        text, info = page_info(page)
        if info["sha256"] != src["sha256"]:
            raise ConvertError(f"{path}: {page} is not the page that was extracted (sha256 differs)")
        docs.append(PageDoc(prediction_to_gold(doc, split), text, "pred", doc.get("extractor")))
    return docs


def read_gold_files(path: Path) -> list[PageDoc]:
    from .gold import discover, load_gold, read_gold_page

    docs = []
    for gold_path in discover([path]):
        gold = load_gold(gold_path)
        docs.append(PageDoc(gold, read_gold_page(gold)[0], "gold"))
    return docs


def read_docs(inputs: list[str], source: str = "auto", pages: list[str] | None = None, split: str | None = None,
              extractor=None) -> list[PageDoc]:
    """Every input as PageDocs. `extractor` is a factory, called once if pages must be extracted."""
    finder = PageFinder(pages)
    kinds = [(sniff(p) if source == "auto" else source, Path(p)) for p in inputs]
    engine = extractor() if any(kind == "page" for kind, _ in kinds) else None
    docs = []
    for kind, path in kinds:
        if kind == "page":
            docs += read_pages(path, engine, split)
        elif kind == "pred":
            docs += read_predictions(path, finder, split)
        elif kind == "gold":
            docs += read_gold_files(path)
        elif kind == "labelstudio":
            docs += from_labelstudio(path, finder, split)
        elif kind == "doccano":
            docs += from_doccano(path, finder, split)
        else:
            raise ConvertError(f"unknown input format {kind!r}")
    return docs
