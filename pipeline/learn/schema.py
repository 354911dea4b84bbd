"""What the model predicts: tag layers (BIO over characters) and typed relations between spans.

Layers may overlap each other (an entity inside a scope, an action inside a directive), never
within themselves, so each layer has its own classification head on the shared encoder.
"""

from __future__ import annotations

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
