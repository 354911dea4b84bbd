"""The learned extractor: a fine-tuned encoder tags metrics, values, changes, periods, scopes,
bases, directives and entities, and scores which span belongs to which; this module turns
those tags and scores into the same `Fact`/`Directive`/`Entity` objects the rules produce.

What stays rule-based is only what is defined by arithmetic or the guidelines rather than
learned: parsing a printed quantity into an exact number, the sign of a direction word, and
the guidelines' inheritance of period/scope within a paragraph when no span is related.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import torch

from ..lexicon import DOWN_WORDS, FLAT_WORDS, RATE_WORDS, SHARE_WORDS, UP_WORDS
from ..model import Action, Change, Directive, Entity, Fact, Span, TextView, Value
from ..numbers import QUANTITY, parse_quantity
from .directives import cue_fields

# 高/低 (比上月末低0.3个百分点) only ever reach here inside a span the model marked as a change.
_UP = [*UP_WORDS, "高"]
_DOWN = [*DOWN_WORDS, "低"]
_DIRECTION = re.compile("|".join(sorted(_UP + _DOWN + FLAT_WORDS, key=len, reverse=True)))
_DIRECTION_BEFORE = re.compile(f"({_DIRECTION.pattern})了?$")
_BOUNDARY = re.compile(r"[。！？；\n]")


@dataclass
class Tagged:
    """Spans (view offsets) and relation probabilities predicted for one paragraph."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)
    scores: dict[tuple[tuple, tuple], float] = field(default_factory=dict)


class NeuralExtractor:
    """Loads a model directory once; `paragraphs` runs it over a page's paragraphs."""

    def __init__(self, path: str | Path, batch_size: int = 32, threshold: float = 0.5, quantize: bool = False):
        from ..learn.network import ExtractorModel
        from ..learn.tokenizer import load_tokenizer

        self.path = Path(path)
        if not (self.path / "config.json").exists():
            raise OSError(f"{path}: not a baozhi model directory (no config.json)")
        self.tokenizer = load_tokenizer(self.path)
        self.model = ExtractorModel.from_pretrained(str(self.path)).eval()
        if quantize:
            self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self.config = self.model.config
        self.batch_size = batch_size
        self.threshold = threshold
        self.layer_tags = self.config.layer_tags
        self.fact_index = list(self.layer_tags).index("fact") if "fact" in self.layer_tags else None

    # -- tagging ---------------------------------------------------------------------------
    def tag(self, text: str, paragraphs: list[tuple[int, int]]) -> list[Tagged]:
        """Run the model over every window of the given paragraphs (view offsets)."""
        from ..learn.data import windows

        results = []
        group: list[tuple[int, int]] = []
        group_windows = 0
        for para in paragraphs:
            group.append(para)
            group_windows += max(1, (para[1] - para[0]) // 96 + 1)
            if group_windows >= self.batch_size * 2:
                results += self._tag_group(text, group, windows)
                group, group_windows = [], 0
        if group:
            results += self._tag_group(text, group, windows)
        return results

    def _tag_group(self, text: str, paragraphs: list[tuple[int, int]], windows) -> list[Tagged]:
        wins = [(p, ps + s, ps + e) for p, (ps, pe) in enumerate(paragraphs) for s, e in windows(text[ps:pe])]
        char_tags: dict[str, dict[int, tuple[str, int]]] = {layer: {} for layer in self.layer_tags}
        fact_probs: dict[int, tuple[list[float], int]] = {}
        window_state = []
        with torch.inference_mode():
            for b in range(0, len(wins), self.batch_size):
                batch = wins[b:b + self.batch_size]
                enc = self.tokenizer([list(text[s:e]) for _, s, e in batch], is_split_into_words=True, padding=True,
                                     truncation=True, max_length=130, return_tensors="pt")
                out = self.model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], return_hidden=True)
                predicted = [logits.argmax(-1) for logits in out.logits]
                probs = out.logits[self.fact_index].softmax(-1) if self.fact_index is not None else None
                for row, (p, s, e) in enumerate(batch):
                    word_ids = enc.word_ids(row)
                    c2t = {}
                    for t, w in enumerate(word_ids):
                        if w is None:
                            continue
                        pos = s + w
                        c2t[pos] = t
                        centrality = min(pos - s, e - 1 - pos)
                        for layer, pred in zip(self.layer_tags, predicted, strict=True):
                            old = char_tags[layer].get(pos)
                            if old is None or centrality > old[1]:
                                char_tags[layer][pos] = (self.layer_tags[layer][int(pred[row, t])], centrality)
                        if probs is not None and (pos not in fact_probs or centrality > fact_probs[pos][1]):
                            fact_probs[pos] = (probs[row, t].tolist(), centrality)
                    window_state.append((p, s, e, out.hidden_states[row:row + 1], c2t))
        tagged = [Tagged() for _ in paragraphs]
        if fact_probs:
            for ps, pe in paragraphs:
                self._quantities(text, ps, pe, char_tags["fact"], fact_probs)
        for p, (ps, pe) in enumerate(paragraphs):
            for layer in self.layer_tags:
                tagged[p].spans += _decode(char_tags[layer], ps, pe)
        self._relations(window_state, tagged)
        return tagged

    def _quantities(self, text: str, start: int, end: int, tags: dict, probs: dict) -> None:
        """Constrained decoding for numbers: a printed quantity (with the direction word before it)
        is one VALUE, one CHANGE or nothing as a whole, decided by the model's summed probabilities,
        so a span never splits a number."""
        names = self.layer_tags["fact"]
        for m in QUANTITY.finditer(text, start, end):
            lead = _DIRECTION_BEFORE.search(text, max(start, m.start() - 5), m.start())
            region = range(lead.start() if lead else m.start(), m.end())
            score = {"VALUE": 0.0, "CHANGE": 0.0, "O": 0.0}
            for pos in region:
                if pos in probs:
                    for name, p in zip(names, probs[pos][0], strict=True):
                        label = name[2:] if name != "O" else "O"
                        key = label if label in score else "O"
                        score[key] += p
            choice = max(score, key=score.get)
            for pos in region:
                if pos in tags and tags[pos][0][2:] in ("VALUE", "CHANGE"):
                    tags[pos] = ("O", tags[pos][1])
            if choice == "O":
                continue
            span = region if choice == "CHANGE" else range(m.start(), m.end())
            first = True
            for pos in span:
                if pos in tags:
                    tags[pos] = (f"{'B' if first else 'I'}-{choice}", tags[pos][1])
                    first = False

    def _relations(self, window_state, tagged: list[Tagged]) -> None:
        from ..learn.features import candidate_pairs, char_span_tokens

        for p, s, e, hidden, c2t in window_state:
            spans = [sp for sp in tagged[p].spans if sp[0] >= s and sp[1] <= e]
            pairs, keys = [], []
            for i, j, kind in candidate_pairs(spans):
                hi, ti = char_span_tokens(c2t, spans[i][0], spans[i][1]), char_span_tokens(c2t, spans[j][0], spans[j][1])
                if hi and ti:
                    pairs.append([*hi, *ti, kind])
                    keys.append((spans[i], spans[j]))
            if not pairs:
                continue
            with torch.inference_mode():
                probs = torch.sigmoid(self.model.score_pairs(hidden, torch.tensor([pairs]))).view(-1).tolist()
            for key, prob in zip(keys, probs, strict=True):
                tagged[p].scores[key] = max(prob, tagged[p].scores.get(key, 0.0))

    # -- assembly --------------------------------------------------------------------------
    def article(self, view: TextView, paragraphs: list[tuple[int, int]]) -> tuple[list[Fact], list[Directive], list[Entity]]:
        facts, directives, entities = [], [], []
        for tagged in self.tag(view.text, paragraphs):
            assembler = _Assembler(view, tagged, self.threshold, facts)
            facts += assembler.facts()
            directives += assembler.directives()
            entities += [Entity(view.span(s, e), label) for s, e, label in tagged.spans if label in ("PER", "LOC", "ORG")]
        return facts, directives, entities


def _decode(tags: dict[int, tuple[str, int]], start: int, end: int) -> list[tuple[int, int, str]]:
    """BIO → spans; whitespace (no tag) neither starts nor ends a span; a stray I- starts one."""
    spans, current = [], None
    for pos in range(start, end):
        if pos not in tags:
            continue
        tag = tags[pos][0]
        if tag == "O":
            if current:
                spans.append(tuple(current))
            current = None
            continue
        prefix, label = tag[0], tag[2:]
        if prefix == "B" or current is None or current[2] != label:
            if current:
                spans.append(tuple(current))
            current = [pos, pos + 1, label]
        else:
            current[1] = pos + 1
    if current:
        spans.append(tuple(current))
    return spans


class _Assembler:
    """Turns one paragraph's spans and relation scores into facts and directives."""

    def __init__(self, view: TextView, tagged: Tagged, threshold: float, previous: list[Fact]):
        self.view, self.tagged, self.threshold = view, tagged, threshold
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
            name = self._metric_name(self.text(metric), prior) if metric else prior.metric_name
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

    def _metric_name(self, text: str, prior: Fact | None) -> str:
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
        sign = last_sign if word is None else (Decimal(-1) if word in _DOWN else Decimal(1))
        metric_text = self.text(metric)
        if any(w in metric_text for w in ("降幅", "跌幅")) and word in ("收窄", "扩大", "缩小"):
            sign = -sign
        of = "level"
        if unit == "百分点":
            share = value is not None and value.unit == "%" or any(w in metric_text for w in SHARE_WORDS) \
                or metric_text.startswith("占")
            if metric_text in RATE_WORDS:
                of = "rate"
            elif not share and prior is not None and prior.metric_name == name and prior.change is not None \
                    and prior.change.unit == "%" and (prior.value is None or prior.value.unit != "%"):
                of = "rate"
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
