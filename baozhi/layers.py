"""What the model predicts and how pages are cut for it: the label layers (BIO over characters), the
typed relations between spans, the windows, and the typed spans of a page document in view offsets.

Shared by inference (`extract/neural.py`) and training (`learn/`); imports neither torch nor datasets,
so a model run does not load the training stack. Layers may overlap each other (an entity inside a
scope, an action inside a directive), never within themselves, so each layer has its own head.
"""

from __future__ import annotations

import re

from .lexicon import CLAUSE_END
from .model import TextView

LAYERS: dict[str, list[str]] = {
    "fact": ["METRIC", "VALUE", "CHANGE", "PERIOD", "SCOPE", "BASIS"],
    "directive": ["DIRECTIVE"],
    "dpart": ["CUE", "CORE"],
    "action": ["VERB", "OBJECT"],
    "entity": ["PER", "LOC", "ORG"],
}

# (head label, tail label): which value/change belongs to which metric, period, scope, basis;
# which change belongs to a value; which action verb to which directive, which object to a verb.
RELATIONS: list[tuple[str, str]] = [
    ("VALUE", "METRIC"), ("VALUE", "PERIOD"), ("VALUE", "SCOPE"), ("VALUE", "BASIS"), ("VALUE", "CHANGE"),
    ("CHANGE", "METRIC"), ("CHANGE", "PERIOD"), ("CHANGE", "SCOPE"), ("CHANGE", "BASIS"),
    ("DIRECTIVE", "VERB"), ("VERB", "OBJECT"),
]

LABEL_LAYER = {label: layer for layer, labels in LAYERS.items() for label in labels}
ENTITY_LABELS = tuple(LAYERS["entity"])


def ordered_layers(layers: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """A model's layers in schema order, whatever order its saved JSON has (keys are sorted there):
    hint features and tagging heads are indexed in this order."""
    layers = layers or LAYERS
    order = list(LAYERS)
    return {k: layers[k] for k in sorted(layers, key=lambda k: order.index(k) if k in order else len(order))}


def bio_tags(labels: list[str]) -> list[str]:
    return ["O"] + [f"{p}-{label}" for label in labels for p in ("B", "I")]


def tags(layer: str) -> list[str]:
    return bio_tags(LAYERS[layer])


def bio_ids(spans, length: int, names: list[str]) -> list[int]:
    """[start, end) spans → a BIO tag id per position over `names` (0 = O); spans whose label has
    no tag in `names` (another layer's) are skipped. Labels, hints and rule tags all go through here."""
    index = {name: i for i, name in enumerate(names)}
    ids = [0] * length
    for start, end, label in spans:
        if f"B-{label}" in index:
            ids[start] = index[f"B-{label}"]
            ids[start + 1:end] = [index[f"I-{label}"]] * (end - start - 1)
    return ids


WINDOW = 126  # characters per window: [CLS] + 126 + [SEP] fits 128 positions
STRIDE = 96
_SENTENCE_END = re.compile(f"[{CLAUSE_END}]")


def windows(text: str, size: int = WINDOW, stride: int = STRIDE) -> list[tuple[int, int]]:
    """Windows over each line of `text`; a long line gets overlapping windows that start, when
    possible, at a sentence start."""
    out = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        s = start
        while True:
            e = min(s + size, end)
            out.append((s, e))
            if e >= end:
                break
            nxt = s + stride
            cut = _SENTENCE_END.search(text, s + stride // 2, nxt)
            s = cut.end() if cut else nxt
    return out


_FACT_PARTS = (("value", "VALUE"), ("change", "CHANGE"), ("metric", "METRIC"), ("period", "PERIOD"),
               ("scope", "SCOPE"), ("basis", "BASIS"))
Bounds = tuple[int, int] | None  # original offsets


def _bounds(span) -> Bounds:
    """(start, end) of a JSON span dict or a typed Span / Value / Change."""
    if not span:
        return None
    if isinstance(span, dict):
        return span["start"], span["end"]
    span = getattr(span, "span", span)  # Value and Change carry their Span
    return span.start, span.end


def _cue(text: str, start: int, cue: str | None) -> Bounds:
    at = text.find(cue) if cue else -1
    return (start + at, start + at + len(cue)) if at >= 0 else None


def _assemble(facts: list[dict[str, Bounds]], directives: list[tuple], entities: list[tuple[int, int, str]],
              view: TextView) -> tuple[list[tuple[int, int, str]], list[tuple[tuple, tuple]]]:
    """Spans (view offsets) and relation pairs from facts (label → bounds), directives (span, core, cue,
    [(verb, object)]) and entities, all in original offsets: the one place their relations are made."""
    spans, relations = set(), set()

    def add(bounds: Bounds, label: str):
        if not bounds:
            return None
        start, end = view.from_original(bounds[0]), view.from_original(bounds[1])
        if end <= start:
            return None
        spans.add((start, end, label))
        return start, end, label

    for fact in facts:
        value, change = add(fact["VALUE"], "VALUE"), add(fact["CHANGE"], "CHANGE")
        anchor = value or change
        if anchor is None:
            continue
        for label in ("METRIC", "PERIOD", "SCOPE", "BASIS"):
            target = add(fact[label], label)
            if target:
                relations.add((anchor, target))
                if value and change:
                    relations.add((change, target))
        if value and change:
            relations.add((value, change))
    for span, core, cue, actions in directives:
        directive = add(span, "DIRECTIVE")
        add(core, "CORE")
        add(cue, "CUE")
        for verb_bounds, object_bounds in actions:
            verb, obj = add(verb_bounds, "VERB"), add(object_bounds, "OBJECT")
            if directive and verb:
                relations.add((directive, verb))
            if verb and obj:
                relations.add((verb, obj))
    for start, end, label in entities:
        add((start, end), label)
    return sorted(spans), sorted(relations)


def layer_spans(page: dict, view: TextView) -> tuple[list[tuple[int, int, str]], list[tuple[tuple, tuple]]]:
    """Labelled spans (view offsets) and relation pairs of one gold/prediction document (its facts,
    directives and entities as `baozhi extract` writes them, flattened over articles)."""
    facts = [{label: _bounds(f.get(key)) for key, label in _FACT_PARTS} for f in page.get("facts", [])]
    directives = [((d["start"], d["end"]), _bounds(d.get("core")), _cue(d["text"], d["start"], d.get("cue")),
                   [(_bounds(a["verb"]), _bounds(a["object"])) for a in d.get("actions", [])])
                  for d in page.get("directives", [])]
    entities = [(e["start"], e["end"], e["label"]) for e in page.get("entities", [])]
    return _assemble(facts, directives, entities, view)


def typed_spans(facts: list, directives: list, entities: list,
                view: TextView) -> tuple[list[tuple[int, int, str]], list[tuple[tuple, tuple]]]:
    """The same for the extractor's typed `Fact`, `Directive` and `Entity` objects, with no JSON between."""
    fact_bounds = [{label: _bounds(getattr(f, key)) for key, label in _FACT_PARTS} for f in facts]
    directive_bounds = [(_bounds(d.span), _bounds(d.core), _cue(d.span.text, d.span.start, d.cue),
                         [(_bounds(a.verb), _bounds(a.object)) for a in d.actions]) for d in directives]
    entity_bounds = [(e.span.start, e.span.end, e.label) for e in entities]
    return _assemble(fact_bounds, directive_bounds, entity_bounds, view)


def drop_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Within one layer spans cannot overlap: keep the earlier (then longer) one."""
    kept: list[tuple[int, int, str]] = []
    last_end: dict[str, int] = {}
    for s in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        layer = LABEL_LAYER[s[2]]
        if s[0] >= last_end.get(layer, -1):
            kept.append(s)
            last_end[layer] = s[1]
    return kept
