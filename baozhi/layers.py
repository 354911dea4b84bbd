"""What the model predicts and how pages are cut for it: the label layers (BIO over characters), the
typed relations between spans, the windows, and the typed spans of a page document in view offsets.

Shared by inference (`extract/neural.py`) and training (`learn/`); imports neither torch nor datasets,
so a model run does not load the training stack. Layers may overlap each other (an entity inside a
scope, an action inside a directive), never within themselves, so each layer has its own head.
"""

from __future__ import annotations

import re

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
_SENTENCE_END = re.compile(r"[。！？；]")


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


def layer_spans(page: dict, view: TextView) -> tuple[list[tuple[int, int, str]], list[tuple[tuple, tuple]]]:
    """Labelled spans (view offsets) and relation pairs of one gold/prediction document (its facts,
    directives and entities as `baozhi extract` writes them, flattened over articles)."""

    def vs(span: dict | None, label: str):
        if not span:
            return None
        start, end = view.from_original(span["start"]), view.from_original(span["end"])
        return (start, end, label) if end > start else None

    spans, relations = set(), set()

    def add(span, label):
        s = vs(span, label)
        if s:
            spans.add(s)
        return s

    for fact in page.get("facts", []):
        value, change = add(fact.get("value"), "VALUE"), add(fact.get("change"), "CHANGE")
        anchor = value or change
        if anchor is None:
            continue
        for key, label in (("metric", "METRIC"), ("period", "PERIOD"), ("scope", "SCOPE"), ("basis", "BASIS")):
            target = add(fact.get(key), label)
            if target:
                relations.add((anchor, target))
                if value and change:
                    relations.add((change, target))
        if value and change:
            relations.add((value, change))
    for d in page.get("directives", []):
        directive = add(d, "DIRECTIVE")
        add(d.get("core"), "CORE")
        if d.get("cue"):
            cue_start = d["text"].find(d["cue"])
            if cue_start >= 0:
                add({"start": d["start"] + cue_start, "end": d["start"] + cue_start + len(d["cue"])}, "CUE")
        for action in d.get("actions", []):
            verb, obj = add(action["verb"], "VERB"), add(action["object"], "OBJECT")
            if directive and verb:
                relations.add((directive, verb))
            if verb and obj:
                relations.add((verb, obj))
    for e in page.get("entities", []):
        add(e, e["label"])
    return sorted(spans), sorted(relations)


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
