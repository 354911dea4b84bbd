"""Examples → model inputs: token ids, the rules' BIO tags per layer (hints), BIO label ids per
layer, candidate relation pairs (with whether the rules related the pair).

Characters map one-to-one to tokens (`tokenizer.encode_chars`); whitespace has no token.
Layers an example does not annotate get label -100 everywhere, so silver facts never teach the
entity head that a sentence has no names, and NER sentences never teach the fact head.
"""

from __future__ import annotations

import numpy as np

from ..layers import LAYERS, RELATIONS, WINDOW, bio_ids, tags
from .tokenizer import encode_chars

RELATION_INDEX = {tuple(pair): i for i, pair in enumerate(RELATIONS)}
MAX_PAIRS = 512


def token_bounds(tokens: np.ndarray, positions: np.ndarray, spans) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token range [start, end) of each character span (start, end, ...): from the first token of
    its first character that has one to past the last token of its last. `positions`: each
    token's character, ascending. `has` is False where no character of the span has a token."""
    bounds = np.array([sp[:2] for sp in spans], dtype=np.int64).reshape(-1, 2)
    first, last = np.searchsorted(positions, bounds[:, 0]), np.searchsorted(positions, bounds[:, 1])
    if not len(tokens):
        return first, last, np.zeros(len(bounds), dtype=bool)
    return tokens[np.minimum(first, len(tokens) - 1)], tokens[np.maximum(last - 1, 0)] + 1, last > first


_LABEL_IDS = {label: i for i, label in enumerate(sorted({label for pair in RELATIONS for label in pair}))}


def _kind_table() -> np.ndarray:
    """(head label id, tail label id) → relation type, -1 for none; the last row and column: other labels."""
    table = np.full((len(_LABEL_IDS) + 1,) * 2, -1)
    for (head, tail), kind in RELATION_INDEX.items():
        table[_LABEL_IDS[head], _LABEL_IDS[tail]] = kind
    return table


_KIND = _kind_table()


def pair_arrays(spans: list[tuple[int, int, str]], max_distance: int = WINDOW) -> tuple[np.ndarray, ...]:
    """Head indices, tail indices and relation types of every typed pair of spans within reach,
    heads in span order, then tails (at most MAX_PAIRS)."""
    labels = np.array([_LABEL_IDS.get(label, -1) for _, _, label in spans], dtype=np.int64)
    starts = np.array([start for start, _, _ in spans], dtype=np.int64)
    kinds = _KIND[labels[:, None], labels[None, :]]
    reach = (kinds >= 0) & (np.abs(starts[:, None] - starts[None, :]) <= max_distance)
    np.fill_diagonal(reach, False)
    heads, tails = np.nonzero(reach)
    heads, tails = heads[:MAX_PAIRS], tails[:MAX_PAIRS]
    return heads, tails, kinds[heads, tails]


def candidate_pairs(spans: list[tuple[int, int, str]], max_distance: int = WINDOW) -> list[tuple[int, int, int]]:
    """(head index, tail index, relation type) for every typed pair within reach."""
    if len(spans) < 2:
        return []
    return list(zip(*(a.tolist() for a in pair_arrays(spans, max_distance)), strict=True))


def featurize(example: dict, tokenizer) -> dict:
    enc = encode_chars(tokenizer, example["text"], max_length=WINDOW + 2)
    word_ids = enc.word_ids()
    tokens = np.array([i for i, w in enumerate(word_ids) if w is not None], dtype=np.int64)
    positions = np.array([w for w in word_ids if w is not None], dtype=np.int64)

    def span_tokens(spans: list[dict]) -> list[tuple[int, int] | None]:
        starts, ends, has = token_bounds(tokens, positions, [(s["start"], s["end"]) for s in spans])
        return [(a, b) if h else None for a, b, h in zip(starts.tolist(), ends.tolist(), has.tolist(), strict=True)]

    out = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    hint_spans = example.get("hint_spans") or []
    hint_tokens = {(s["start"], s["end"], s["label"]): ts for s, ts in zip(hint_spans, span_tokens(hint_spans), strict=True)
                   if ts is not None}
    hint_token_spans = [(*ts, key[2]) for key, ts in hint_tokens.items()]
    # one row per token, one BIO tag id of the rules per layer
    out["hint_ids"] = [list(row) for row in zip(*(bio_ids(hint_token_spans, len(word_ids), tags(layer))
                                                  for layer in LAYERS), strict=True)]
    hint_list = [(s["start"], s["end"], s["label"]) for s in example.get("hint_spans") or []]
    hinted_pairs = {(hint_list[r["head"]], hint_list[r["tail"]]) for r in example.get("hint_relations") or []}
    annotated = set(example["layers"])
    tok_spans = span_tokens(example["spans"])
    for layer in LAYERS:
        if layer not in annotated:
            out[f"labels_{layer}"] = [-100] * len(word_ids)
            continue
        ids = bio_ids([(*ts, s["label"]) for s, ts in zip(example["spans"], tok_spans, strict=True) if ts is not None],
                      len(word_ids), tags(layer))
        out[f"labels_{layer}"] = [-100 if w is None else t for w, t in zip(word_ids, ids, strict=True)]
    positive = {(r["head"], r["tail"]) for r in example["relations"]}
    spans = [(s["start"], s["end"], s["label"]) for s in example["spans"]]
    pairs, pair_labels = [], []
    relation_layers = {"fact", "directive", "action"}
    if relation_layers & annotated:
        for i, j, kind in candidate_pairs(spans):
            if tok_spans[i] is None or tok_spans[j] is None:
                continue
            pairs.append([*tok_spans[i], *tok_spans[j], kind, int((spans[i], spans[j]) in hinted_pairs)])
            pair_labels.append(1 if (i, j) in positive else 0)
    out["relation_pairs"] = pairs
    out["relation_labels"] = pair_labels
    return out


class Collator:
    """Pads tokens, hints (O), per-layer labels (-100) and relation pairs (a -100-labelled dummy pair)."""

    def __init__(self, tokenizer):
        self.pad_id = tokenizer.pad_token_id

    def __call__(self, features: list[dict]) -> dict:
        import torch  # training only: inference reads token_bounds and pair_arrays without torch

        length = max(len(f["input_ids"]) for f in features)
        n_pairs = max(1, max(len(f["relation_pairs"]) for f in features))
        batch = {
            "input_ids": torch.tensor([f["input_ids"] + [self.pad_id] * (length - len(f["input_ids"])) for f in features]),
            "attention_mask": torch.tensor([f["attention_mask"] + [0] * (length - len(f["attention_mask"])) for f in features]),
        }
        no_hint = [0] * len(LAYERS)
        batch["hint_ids"] = torch.tensor([f["hint_ids"] + [no_hint] * (length - len(f["hint_ids"])) for f in features])
        for layer in LAYERS:
            key = f"labels_{layer}"
            batch[key] = torch.tensor([f[key] + [-100] * (length - len(f[key])) for f in features])
        batch["relation_pairs"] = torch.tensor(
            [f["relation_pairs"] + [[0, 1, 0, 1, 0, 0]] * (n_pairs - len(f["relation_pairs"])) for f in features],
            dtype=torch.long).view(len(features), n_pairs, 6)
        batch["relation_labels"] = torch.tensor(
            [f["relation_labels"] + [-100] * (n_pairs - len(f["relation_labels"])) for f in features], dtype=torch.long)
        return batch
