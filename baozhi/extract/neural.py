"""The learned extractor: a fine-tuned encoder tags metrics, values, changes, periods, scopes,
bases, directives and entities, and scores which span belongs to which; this module turns
those tags and scores into the same `Fact`/`Directive`/`Entity` objects the rules produce.

What stays rule-based is only what is defined by arithmetic or the guidelines rather than
learned: parsing a printed quantity into an exact number, the sign of a direction word, and
the guidelines' inheritance of period/scope within a paragraph when no span is related. A model
trained with hints reads the rule extractor's output as input features (`RuleHints`); where it
keeps a metric or change span the rules also found, the rules' normalised metric name and
rate/level reading come with it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from ..layers import ENTITY_LABELS
from ..lexicon import (
    CLAUSE_END,
    CLOSING,
    COMPARATIVE_DOWN,
    COMPARATIVE_UP,
    DOWN_WORDS,
    FLAT_WORDS,
    RATE_WORDS,
    SHARE_WORDS,
    UP_WORDS,
    alternation,
    direction_sign,
)
from ..model import Action, Change, Directive, Entity, Fact, Span, TextView, Value
from ..nn.runtime import sigmoid, softmax
from ..numbers import QUANTITY, parse_quantity
from .directives import CUE, ENUM, cue_fields

# 高/低 (比上月末低0.3个百分点) only ever reach here inside a span the model marked as a change.
_DIRECTION = re.compile(alternation(UP_WORDS + DOWN_WORDS + FLAT_WORDS + COMPARATIVE_UP + COMPARATIVE_DOWN))
_DIRECTION_BEFORE = re.compile(f"({_DIRECTION.pattern})了?$")
_BOUNDARY = re.compile(f"[{CLAUSE_END}\n]")
_SENTENCE = re.compile(f"[^{CLAUSE_END}]*(?:[{CLAUSE_END}{CLOSING}]+|$)")
_NEEDS_MODEL = re.compile(r"[0-9%]|[一二三四五六七八九十两百千万亿]+(?:个|倍|成|亿|万|百分点)|持平")
MAX_TOKENS = 130  # a window's 126 characters and the special tokens
TRIAGE = ("sentence", "paragraph", "none")  # what the model skips: sentences, paragraphs, nothing


@dataclass
class RuleHints:
    """The rule extractor's output on a page as the model reads it (view offsets)."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)
    relations: set[tuple[tuple, tuple]] = field(default_factory=set)
    metric_names: dict[tuple[int, int], str] = field(default_factory=dict)
    change_of: dict[tuple[int, int], str] = field(default_factory=dict)

    @classmethod
    def from_rules(cls, facts: list, directives: list, entities: list, view: TextView) -> RuleHints:
        """The rule extractors' typed output on a page (original offsets), read directly."""
        from ..layers import drop_overlaps, typed_spans

        spans, relations = typed_spans(facts, directives, entities, view)

        def key(span) -> tuple[int, int]:
            return view.from_original(span.start), view.from_original(span.end)

        names = {key(f.metric): f.metric_name for f in facts if f.metric}
        change_of = {key(f.change.span): f.change.of for f in facts if f.change}
        return cls(drop_overlaps(spans), set(relations), names, change_of)

    def shifted(self, offset: int) -> RuleHints:
        """The same hints `offset` characters further on (texts joined into one)."""
        def move(span: tuple) -> tuple:
            return (span[0] + offset, span[1] + offset, *span[2:])

        return RuleHints([move(s) for s in self.spans], {(move(a), move(b)) for a, b in self.relations},
                         {move(k): v for k, v in self.metric_names.items()},
                         {move(k): v for k, v in self.change_of.items()})

    @classmethod
    def joined(cls, parts: list[RuleHints]) -> RuleHints:
        out = cls()
        for part in parts:
            out.spans += part.spans
            out.relations |= part.relations
            out.metric_names.update(part.metric_names)
            out.change_of.update(part.change_of)
        return out

    def tag_ids(self, layers: dict[str, list[str]], length: int) -> np.ndarray:
        """(layers, length): the BIO tag id of the rules' span at each view position (0: O)."""
        from ..layers import bio_ids

        return np.array([bio_ids(self.spans, length, names) for names in layers.values()], dtype=np.int64)


@dataclass
class Tagged:
    """Spans (view offsets) and relation probabilities predicted for one paragraph."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)
    scores: dict[tuple[tuple, tuple], float] = field(default_factory=dict)


class NeuralExtractor:
    """Loads a model directory once; `articles` runs it over a page's articles."""

    def __init__(self, path: str | Path, batch_size: int = 32, threshold: float = 0.5, quantize: bool = False,
                 triage: str = "sentence", backend: str = "auto", threads: int = 1):
        from ..nn.runtime import CharTokenizer, load_network

        self.path = Path(path)
        if not (self.path / "config.json").exists():
            raise OSError(f"{path}: not a baozhi model directory (no config.json)")
        self.tokenizer = CharTokenizer(self.path)
        self.network = load_network(self.path, backend=backend, threads=threads, quantize=quantize)
        self.config = self.network.config
        self.batch_size = batch_size
        self.threshold = threshold
        if triage not in TRIAGE:
            raise ValueError(f"unknown triage {triage!r} ({', '.join(TRIAGE)})")
        self.triage = triage
        self.layer_tags = self.config.layer_tags
        self.fact_index = list(self.layer_tags).index("fact") if "fact" in self.layer_tags else None
        # token id of each character (BMP code point): -2 not asked yet, -1 no token (whitespace)
        self._char_id = np.full(0x10000, -2, dtype=np.int64)
        probe, word_ids = self.tokenizer(["a"])  # where the special tokens go
        words = [k for k, w in enumerate(word_ids) if w is not None]
        self._prefix, self._suffix = probe[:words[0]], probe[words[-1] + 1:]

    def _table_ids(self, text: str) -> np.ndarray | None:
        """Each character's token id (-1: none) from the id table, asking the tokenizer once for a
        character not seen yet; None if a character is outside the table or is not one token (or
        none): such text goes through the tokenizer itself."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        if codes.size and codes.max() >= len(self._char_id):
            return None
        for code in np.unique(codes[self._char_id[codes] == -2]).tolist():
            ids, _ = self.tokenizer([chr(code)], add_special_tokens=False)
            if len(ids) > 1:
                return None
            self._char_id[code] = ids[0] if ids else -1
        return self._char_id[codes]

    def encode(self, text: str, windows: list[tuple[int, int, int]]) -> tuple[dict, list]:
        """The tokenizer's input ids for windows (paragraph, start, end) of `text`, one character a
        word, with each token's character position: the same as calling the tokenizer on the
        window's characters, which is done only once per distinct character (its per-call cost was a
        tenth of a page's time), or for a window with a character that is not one token."""
        budget = MAX_TOKENS - len(self._prefix) - len(self._suffix)
        sequences, rows = [], []
        for _, s, e in windows:
            ids = self._table_ids(text[s:e])
            if ids is not None:
                positions = s + np.flatnonzero(ids >= 0)
                ids = ids[ids >= 0]
            else:
                ids, word_ids = self.tokenizer(list(text[s:e]), add_special_tokens=False)
                ids = np.array(ids, dtype=np.int64)
                positions = s + np.array(word_ids, dtype=np.int64)
            ids, positions = ids[:budget], positions[:budget]
            sequences.append(self._prefix + ids.tolist() + self._suffix)
            rows.append((np.arange(len(self._prefix), len(self._prefix) + len(ids)), positions))
        width, pad = max(map(len, sequences)), self.tokenizer.pad_token_id or 0
        input_ids = np.array([q + [pad] * (width - len(q)) for q in sequences], dtype=np.int64)
        attention_mask = np.array([[1] * len(q) + [0] * (width - len(q)) for q in sequences], dtype=np.int64)
        return {"input_ids": input_ids, "attention_mask": attention_mask}, rows

    # -- tagging ---------------------------------------------------------------------------
    def tag(self, text: str, paragraphs: list[tuple[int, int]], hints: RuleHints | None = None) -> list[Tagged]:
        """Run the model over the given paragraphs (view offsets); with hints and `triage`, only
        over the parts that need it, the rest keeping the rules' entities."""
        hints = hints if self.config.use_hints else None
        if hints is None or self.triage == "none":
            return self.tag_all(text, paragraphs, hints)
        found = np.zeros(len(text) + 1, dtype=bool)
        for s, e, label in hints.spans:
            found[s:e] |= label not in ENTITY_LABELS
        names = sorted(sp for sp in hints.spans if sp[2] in ENTITY_LABELS)
        name_starts = [sp[0] for sp in names]
        parts = [triage_parts(text, *p, found, whole=self.triage == "paragraph") for p in paragraphs]
        send = [part for p in parts for part in p]
        tagged = iter(self.tag_all(text, send, hints)) if send else iter(())
        out = []
        for (ps, pe), sent in zip(paragraphs, parts, strict=True):
            merged = Tagged()
            for _ in sent:
                part = next(tagged)
                merged.spans += part.spans
                merged.scores.update(part.scores)
            inside = names[bisect_left(name_starts, ps):bisect_left(name_starts, pe)]
            merged.spans += [sp for sp in inside if sp[1] <= pe and not any(sp[0] < b and a < sp[1] for a, b in sent)]
            out.append(merged)
        return out

    def tag_all(self, text: str, paragraphs: list[tuple[int, int]], hints: RuleHints | None) -> list[Tagged]:
        from ..layers import STRIDE

        hint_array = hints.tag_ids(self.layer_tags, len(text)) if hints is not None else None
        results = []
        group: list[tuple[int, int]] = []
        group_windows = 0
        for para in paragraphs:
            group.append(para)
            group_windows += max(1, (para[1] - para[0]) // STRIDE + 1)
            if group_windows >= self.batch_size * 8:
                results += self._tag_group(text, group, hints, hint_array)
                group, group_windows = [], 0
        if group:
            results += self._tag_group(text, group, hints, hint_array)
        return results

    def _tag_group(self, text: str, paragraphs: list[tuple[int, int]], hints: RuleHints | None,
                   hint_array: np.ndarray | None) -> list[Tagged]:
        """Tags of a group of paragraphs, kept in arrays over [lo, hi): each character takes the
        prediction of the window where it lies most central (of two, the earlier)."""
        from ..layers import windows

        wins = [(p, ps + s, ps + e) for p, (ps, pe) in enumerate(paragraphs) for s, e in windows(text[ps:pe])]
        lo, hi = paragraphs[0][0], paragraphs[-1][1]
        ids = np.zeros((len(self.layer_tags), hi - lo), dtype=np.int64)
        centrality = np.full(hi - lo, -1, dtype=np.int64)
        fact_probs = np.zeros((hi - lo, len(self.layer_tags.get("fact", []))), dtype=np.float32)
        batches = []
        sizes = [len(names) for names in self.layer_tags.values()]
        split_at = np.cumsum(sizes)[:-1]
        for batch in _length_batches(wins, self.batch_size):
            enc, rows = self.encode(text, batch)
            hint_ids = None
            if hint_array is not None:
                at_rows = np.concatenate([np.full(len(tokens), row) for row, (tokens, _) in enumerate(rows)])
                at_tokens = np.concatenate([tokens for tokens, _ in rows])
                hint_ids = np.zeros((*enc["input_ids"].shape, len(self.layer_tags)), dtype=np.int64)
                hint_ids[at_rows, at_tokens] = hint_array[:, np.concatenate([pos for _, pos in rows])].T
            joint, hidden = self.network.forward(enc["input_ids"], enc["attention_mask"], hint_ids)
            logits = np.split(joint, split_at, axis=-1)
            predicted = np.stack([layer.argmax(-1) for layer in logits])  # (L, B, T)
            probs = softmax(logits[self.fact_index]) if self.fact_index is not None else None
            for row, ((_, s, e), (tokens, positions)) in enumerate(zip(batch, rows, strict=True)):
                # the earlier window wins a tie, whatever order the batches ran in
                central = np.minimum(positions - s, e - 1 - positions) * (len(text) + 1) + len(text) - s
                better = central > centrality[positions - lo]
                at, tok = positions[better] - lo, tokens[better]
                ids[:, at] = predicted[:, row, tok]
                centrality[at] = central[better]
                if probs is not None:
                    fact_probs[at] = probs[row, tok]
            batches.append((batch, rows, hidden))
        seen = centrality >= 0
        if self.fact_index is not None:
            for ps, pe in paragraphs:
                self._quantities(text, ps, pe, lo, ids[self.fact_index], seen, fact_probs)
        tagged = [Tagged() for _ in paragraphs]
        for p, (ps, pe) in enumerate(paragraphs):
            for k, names in enumerate(self.layer_tags.values()):
                tagged[p].spans += _decode(ids[k, ps - lo:pe - lo], seen[ps - lo:pe - lo], names, ps)
        self._relations(batches, tagged, hints)
        return tagged

    def _quantities(self, text: str, start: int, end: int, lo: int, tags: np.ndarray, seen: np.ndarray,
                    probs: np.ndarray) -> None:
        """Constrained decoding for numbers: a printed quantity (with the direction word before it)
        is one VALUE, one CHANGE or nothing as a whole, decided by the model's summed probabilities,
        so a span never splits a number."""
        names = self.layer_tags["fact"]
        columns = {label: [i for i, n in enumerate(names) if n[2:] == label] for label in ("VALUE", "CHANGE")}
        numeric = np.zeros(len(names), dtype=bool)
        numeric[columns["VALUE"] + columns["CHANGE"]] = True
        for m in QUANTITY.finditer(text, start, end):
            lead = _DIRECTION_BEFORE.search(text, max(start, m.start() - 5), m.start())
            region = np.arange(lead.start() if lead else m.start(), m.end()) - lo
            region = region[seen[region]]
            if not len(region):
                continue
            summed = probs[region].sum(axis=0)
            score = {"VALUE": summed[columns["VALUE"]].sum(), "CHANGE": summed[columns["CHANGE"]].sum()}
            score["O"] = summed.sum() - score["VALUE"] - score["CHANGE"]
            choice = max(score, key=score.get)
            tags[region[numeric[tags[region]]]] = 0
            if choice == "O":
                continue
            span = region if choice == "CHANGE" else region[region >= m.start() - lo]
            if len(span):
                tags[span[0]] = names.index(f"B-{choice}")
                tags[span[1:]] = names.index(f"I-{choice}")

    def _relations(self, batches, tagged: list[Tagged], hints: RuleHints | None) -> None:
        """Scores every typed pair of predicted spans inside a window, in one model call for all
        windows (their hidden states stacked, padded to the longest)."""
        from ..nn.features import pair_arrays, token_bounds

        related = hints.relations if hints is not None else set()
        columns, keys = [], []
        windows = [(window, row) for batch, rows, _ in batches for window, row in zip(batch, rows, strict=True)]
        for n, ((p, s, e), (tokens, positions)) in enumerate(windows):
            spans = [sp for sp in tagged[p].spans if sp[0] >= s and sp[1] <= e]
            if len(spans) < 2:
                continue
            heads, tails, kinds = pair_arrays(spans)
            starts, ends, has = token_bounds(tokens, positions, spans)
            keep = has[heads] & has[tails]
            heads, tails, kinds = heads[keep], tails[keep], kinds[keep]
            if not len(heads):
                continue
            pairs = list(zip(heads.tolist(), tails.tolist(), strict=True))
            hinted = [(spans[i], spans[j]) in related for i, j in pairs] if related else np.zeros(len(pairs))
            columns.append(np.column_stack([np.full(len(pairs), n), starts[heads], ends[heads], starts[tails],
                                            ends[tails], kinds, hinted]).astype(np.int64))
            keys.append((tagged[p].scores, spans, pairs))
        if not columns:
            return
        width = max(hidden.shape[1] for _, _, hidden in batches)
        hidden = np.concatenate([np.pad(h, ((0, 0), (0, width - h.shape[1]), (0, 0))) for _, _, h in batches])
        flat = np.concatenate(columns)
        probs = iter(sigmoid(self.network.score_flat(hidden, flat[:, 0], flat[:, 1:])).tolist())
        for scores, spans, pairs in keys:
            for (i, j), prob in zip(pairs, probs, strict=False):
                key = (spans[i], spans[j])
                scores[key] = max(prob, scores.get(key, 0.0))

    # -- assembly --------------------------------------------------------------------------
    def articles(self, view: TextView, articles: list[list[tuple[int, int]]], hints: RuleHints | None = None
                 ) -> list[tuple[list[Fact], list[Directive], list[Entity]]]:
        """Facts, directives and entities of each article (its paragraphs, view offsets); all
        paragraphs of the page go through the model together."""
        flat = [p for paragraphs in articles for p in paragraphs]
        tagged = iter(self.tag(view.text, flat, hints))
        out = []
        for paragraphs in articles:
            facts, directives, entities = [], [], []
            for _ in paragraphs:
                found = next(tagged)
                assembler = _Assembler(view, found, self.threshold, facts, hints)
                facts += assembler.facts()
                directives += assembler.directives()
                entities += [Entity(view.span(s, e), label) for s, e, label in found.spans if label in ENTITY_LABELS]
            out.append((facts, directives, entities))
        return out


def triage_parts(text: str, start: int, end: int, found: np.ndarray, whole: bool = False) -> list[tuple[int, int]]:
    """Triage: the stretches of a paragraph the model reads. A sentence with no number, no
    directive cue and nothing the rules found beyond names (`found`: a flag per position) has no
    fact or directive; its entities are the rules'. A sentence that needs the model comes with
    the one before it (periods and scopes are often stated there); from a list marker or cue
    on, the rest of the paragraph goes (a directive runs to the end of its item). `whole`: the
    paragraph goes whole or not at all."""
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text, start, end) if m.end() > m.start()]
    keep = [False] * len(sentences)
    for i, (s, e) in enumerate(sentences):
        if ENUM.search(text, s, e) or CUE.search(text, s, e):
            keep[max(0, i - 1):] = [True] * (len(sentences) - max(0, i - 1))
            break
        if _NEEDS_MODEL.search(text, s, e) or found[s:e].any():
            keep[max(0, i - 1):i + 1] = [True] * (i + 1 - max(0, i - 1))
    if whole:
        return [(start, end)] if any(keep) else []
    parts: list[tuple[int, int]] = []
    for (s, e), kept in zip(sentences, keep, strict=True):
        if kept and parts and parts[-1][1] == s:
            parts[-1] = (parts[-1][0], e)
        elif kept:
            parts.append((s, e))
    return parts


def _length_batches(windows: list[tuple[int, int, int]], size: int, padding: float = 0.25) -> list[list]:
    """Windows (paragraph, start, end) in batches of similar length: at most `size` windows and
    at most `padding` of a batch's positions padded (encoder cost is linear in the padded size)."""
    batches: list[list] = []
    current: list = []
    real = 0
    for window in sorted(windows, key=lambda w: w[2] - w[1]):
        length = window[2] - window[1] + 2  # [CLS], [SEP]
        if current and (len(current) == size or length * (len(current) + 1) > (1 + padding) * (real + length)):
            batches.append(current)
            current, real = [], 0
        current.append(window)
        real += length
    return batches + [current] if current else batches


def _decode(tag_ids: np.ndarray, seen: np.ndarray, names: list[str], offset: int) -> list[tuple[int, int, str]]:
    """BIO ids → spans; whitespace (not seen) neither starts nor ends a span; a stray I- starts one."""
    where = np.flatnonzero(seen)
    tags = tag_ids[where]
    spans: list[tuple[int, int, str]] = []
    current, previous = None, -2
    for j in np.flatnonzero(tags).tolist():
        name = names[tags[j]]
        pos = int(where[j]) + offset
        if current is not None and previous == j - 1 and name[0] == "I" and current[2] == name[2:]:
            current[1] = pos + 1
        else:
            if current:
                spans.append(tuple(current))
            current = [pos, pos + 1, name[2:]]
        previous = j
    if current:
        spans.append(tuple(current))
    return spans


class _Assembler:
    """Turns one paragraph's spans and relation scores into facts and directives."""

    def __init__(self, view: TextView, tagged: Tagged, threshold: float, previous: list[Fact],
                 hints: RuleHints | None = None):
        self.view, self.tagged, self.threshold, self.hints = view, tagged, threshold, hints or RuleHints()
        self.by_label: dict[str, list[tuple]] = {}
        for span in sorted(tagged.spans):
            self.by_label.setdefault(span[2], []).append(span)
        self.previous = previous

    def best(self, head: tuple, label: str) -> tuple | None:
        scored = [(self.tagged.scores.get((head, t), 0.0), t) for t in self.by_label.get(label, [])]
        scored = [x for x in scored if x[0] >= self.threshold]
        return max(scored)[1] if scored else None

    def text(self, span: tuple | None) -> str:
        return self.view.text[span[0]:span[1]] if span else ""

    def span(self, span: tuple | None) -> Span | None:
        return self.view.span(span[0], span[1]) if span else None

    def facts(self) -> list[Fact]:
        values, changes = self.by_label.get("VALUE", []), self.by_label.get("CHANGE", [])
        owner: dict[tuple, tuple[float, tuple]] = {}
        for v in values:
            c = self.best(v, "CHANGE")
            if c and self.tagged.scores[(v, c)] > owner.get(c, (0.0, None))[0]:
                owner[c] = (self.tagged.scores[(v, c)], v)
        change_of = {v: c for c, (_, v) in owner.items()}
        anchors = sorted(values + [c for c in changes if c not in owner])
        out: list[Fact] = []
        last_period = last_scope = None
        last_sign = Decimal(1)
        for anchor in anchors:
            is_value = anchor[2] == "VALUE"
            change = change_of.get(anchor) if is_value else anchor
            metric = self.best(anchor, "METRIC") or (self.best(change, "METRIC") if change else None)
            prior = (out or self.previous or [None])[-1]
            if metric is None and prior is None:
                continue
            period = self.best(anchor, "PERIOD") or last_period
            scope = self.best(anchor, "SCOPE") or last_scope
            basis = self.best(anchor, "BASIS") or (self.best(change, "BASIS") if change else None)
            metric_span = self.span(metric) if metric else prior.metric
            name = self._metric_name(metric, prior) if metric else prior.metric_name
            value = self._value(anchor) if is_value else None
            if is_value and value is None:
                continue
            change_obj = None
            if change:
                change_obj, last_sign = self._change(change, metric, value, prior, name, last_sign)
            if value is None and change_obj is None:
                continue
            period_span, scope_span = self.span(period), self.span(scope)
            evidence = self._evidence(anchor)
            fact = Fact(metric_span, name, value, change_obj, self.span(basis), period_span, scope_span, evidence)
            out.append(fact)
            last_period, last_scope = period, scope
        return out

    def _metric_name(self, metric: tuple, prior: Fact | None) -> str:
        """The rules' normalised name for the same span (subject + head, 占比 of what), else the text."""
        if metric[:2] in self.hints.metric_names:
            return self.hints.metric_names[metric[:2]]
        text = self.text(metric)
        base = prior.metric_name.removesuffix("占比") if prior else ""
        if text in RATE_WORDS and base:
            return base
        if (text in SHARE_WORDS or text.startswith("占") or "比重" in text) and base:
            return base + "占比"
        return text

    def _quantity(self, span: tuple) -> re.Match | None:
        """The printed quantity a predicted span points at: the pattern match overlapping it most.
        The model finds the span; exact boundaries and the number come from the quantity grammar."""
        text = self.view.text
        best = None
        for m in QUANTITY.finditer(text, max(0, span[0] - 4), min(len(text), span[1] + 4)):
            overlap = min(m.end(), span[1]) - max(m.start(), span[0])
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, m)
        return best[1] if best else None

    def _value(self, span: tuple) -> Value | None:
        m = self._quantity(span)
        if not m:
            return None
        q = parse_quantity(m)
        return Value(self.view.span(m.start(), m.end()), q.number, q.unit, q.approx, q.low, q.high)

    def _change(self, span, metric, value: Value | None, prior: Fact | None, name: str, last_sign: Decimal):
        direction = _DIRECTION.match(self.text(span))
        word = direction.group(0) if direction else None
        if word in FLAT_WORDS:
            number, unit = Decimal(0), "%"
            if self.text(metric) in RATE_WORDS:
                unit = "百分点"
        else:
            m = self._quantity(span)
            if not m:
                return None, last_sign
            q = parse_quantity(m)
            number, unit = q.number, q.unit
            # the span runs from the direction word printed right before the number (增长6.7%)
            lead = _DIRECTION_BEFORE.search(self.view.text, max(0, m.start() - 5), m.start())
            start = lead.start() if lead else m.start()
            word = lead.group(1) if lead else (word if span[0] < m.start() else None)
            span = (start, m.end(), span[2])
        metric_text = self.text(metric)
        sign = last_sign if word is None else direction_sign(word, metric_text)
        of = "level"
        if unit == "百分点":
            share = value is not None and value.unit == "%" or any(w in metric_text for w in SHARE_WORDS) \
                or metric_text.startswith("占")
            if metric_text in RATE_WORDS:
                of = "rate"
            elif not share and prior is not None and prior.metric_name == name and prior.change is not None \
                    and prior.change.unit == "%" and (prior.value is None or prior.value.unit != "%"):
                of = "rate"
        of = self.hints.change_of.get(span[:2], of)
        return Change(self.span(span), sign * number, unit, of), sign

    def _evidence(self, anchor: tuple) -> Span:
        text = self.view.text
        before = [m.end() for m in _BOUNDARY.finditer(text, 0, anchor[0])]
        start = before[-1] if before else 0
        after = _BOUNDARY.search(text, anchor[1])
        end = after.end() if after else len(text)
        return self.view.span(start, end)

    def directives(self) -> list[Directive]:
        out = []
        for d in self.by_label.get("DIRECTIVE", []):
            inside = {label: [s for s in spans if s[0] >= d[0] and s[1] <= d[1]] for label, spans in self.by_label.items()}
            cue = (inside.get("CUE") or [None])[0]
            cue_text = self.text(cue) if cue else None
            ordinal, issuer = cue_fields(cue_text) if cue_text else (None, None)
            core = (inside.get("CORE") or [None])[0]
            if core is None:
                start = cue[1] if cue else d[0]
                end = _BOUNDARY.search(self.view.text, start, d[1])
                core = (start, end.start() if end else d[1], "CORE")
            actions = []
            for verb in inside.get("VERB", []):
                obj = self.best(verb, "OBJECT")
                if obj is None:
                    following = [o for o in inside.get("OBJECT", []) if o[0] == verb[1]]
                    obj = following[0] if following else None
                if obj is not None:
                    actions.append(Action(self.span(verb), self.span(obj)))
            out.append(Directive(self.span(d), ordinal, cue_text, issuer, None, self.span(core), actions))
        return out
