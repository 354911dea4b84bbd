"""PER/LOC/ORG on a public NER test split (People's Daily, MSRA), scored with seqeval."""

from __future__ import annotations

from pathlib import Path

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from .texts import ner_corpus


def _tags(length: int, spans) -> list[str]:
    tags = ["O"] * length
    for start, end, label in spans:
        if label not in ("PER", "LOC", "ORG"):
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags


def _shifted(item, offset: int):
    """A page-JSON item with every span moved by `offset` characters."""
    if isinstance(item, list):
        return [_shifted(x, offset) for x in item]
    if not isinstance(item, dict):
        return item
    out = {k: _shifted(v, offset) for k, v in item.items()}
    if isinstance(item.get("start"), int) and isinstance(item.get("end"), int):
        out["start"], out["end"] = item["start"] + offset, item["end"] + offset
    return out


def model_entities(model: str | Path, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """The model on every sentence (no triage), with the rules' output as hints when it reads them."""
    from ..extract.neural import NeuralExtractor, RuleHints
    from ..extractor import Extractor
    from ..model import Source, TextView, page_to_json
    from .data import flatten_articles

    extractor = NeuralExtractor(model, batch_size=64, triage="none")
    joined = "\n".join(texts)  # one line per sentence: windows never cross sentences
    ranges, pos = [], 0
    for text in texts:
        ranges.append((pos, pos + len(text)))
        pos += len(text) + 1
    hints = None
    if extractor.config.use_hints:
        rules = Extractor(extractor="rules")
        flat: dict = {"facts": [], "directives": [], "entities": []}
        for (start, _), text in zip(ranges, texts, strict=True):
            page = flatten_articles(page_to_json(rules.extract_text(text, Source("<ner>", "", "utf-8", "ner"))))
            for key in flat:
                flat[key] += _shifted(page[key], start)
        hints = RuleHints.from_json(flat, TextView(joined, joined, list(range(len(joined)))))
    out = []
    for (start, _), tagged in zip(ranges, extractor.tag(joined, ranges, hints), strict=True):
        out.append([(s - start, e - start, label) for s, e, label in tagged.spans if label in ("PER", "LOC", "ORG")])
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
