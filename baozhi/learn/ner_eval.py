"""PER/LOC/ORG on a public NER test split (People's Daily, MSRA), scored with seqeval."""

from __future__ import annotations

from pathlib import Path

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from ..layers import ENTITY_LABELS
from .texts import ner_corpus


def _tags(length: int, spans) -> list[str]:
    tags = ["O"] * length
    for start, end, label in spans:
        if label not in ENTITY_LABELS:
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def model_entities(model: str | Path, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """The model on every sentence (no triage), with the rules' output as hints when it reads them."""
    from ..extract.neural import NeuralExtractor, RuleHints
    from ..extractor import Extractor
    from ..model import Source, TextView

    extractor = NeuralExtractor(model, batch_size=64, triage="none")
    joined = "\n".join(texts)  # one line per sentence: windows never cross sentences
    ranges, pos = [], 0
    for text in texts:
        ranges.append((pos, pos + len(text)))
        pos += len(text) + 1
    hints = None
    if extractor.config.use_hints:
        rules = Extractor(extractor="rules")
        parts = []
        for (start, _), text in zip(ranges, texts, strict=True):
            page = rules.extract_text(text, Source("<ner>", "", "utf-8", "ner"))
            sentence = TextView(text, text, list(range(len(text))))
            parts.append(RuleHints.from_rules(page.facts, page.directives, page.entities, sentence).shifted(start))
        hints = RuleHints.joined(parts)
    out = []
    for (start, _), tagged in zip(ranges, extractor.tag(joined, ranges, hints), strict=True):
        out.append([(s - start, e - start, label) for s, e, label in tagged.spans if label in ENTITY_LABELS])
    return out


def rule_entities(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    from ..extractor import Extractor
    from ..model import Source

    extractor = Extractor(extractor="rules")
    out = []
    for text in texts:
        result = extractor.extract_text(text, Source("<ner>", "", "utf-8", "ner"))
        out.append([(e.span.start, e.span.end, e.label) for a in result.articles for e in a.entities])
    return out


def evaluate_ner(system: str, corpus: str = "people_daily", split: str = "test", limit: int | None = None,
                 external: str | Path | None = None) -> dict:
    """seqeval (strict IOB2) per label; `system` is a model directory or `rules`."""
    sentences = ner_corpus(corpus, split, external)[:limit]
    texts = [s.text for s in sentences]
    predicted = rule_entities(texts) if system == "rules" else model_entities(system, texts)
    gold_tags = [_tags(len(s.text), s.entities) for s in sentences]
    pred_tags = [_tags(len(s.text), p) for s, p in zip(sentences, predicted, strict=True)]
    report = classification_report(gold_tags, pred_tags, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
    return {"system": system, "corpus": corpus, "split": split, "sentences": len(sentences),
            "labels": {k: {"precision": float(v["precision"]), "recall": float(v["recall"]),
                           "f1": float(v["f1-score"]), "support": int(v["support"])} for k, v in report.items()}}


def markdown(result: dict) -> str:
    rows = [f"{result['corpus']} {result['split']} ({result['sentences']} sentences), system {result['system']}", "",
            "| label | P | R | F1 | support |", "|---|---|---|---|---|"]
    for label, v in result["labels"].items():
        rows.append(f"| {label} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |")
    return "\n".join(rows) + "\n"
