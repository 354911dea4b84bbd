"""Silver labels: the rule extractor (or a teacher model) run over public news text (`source="silver"`).

Rules are the baseline and the silver labeller. A trained model can label instead (`labeller`):
its output becomes the labels while the rules' output stays the hints, which is how a smaller,
faster model is distilled from a larger one. Silver covers what the public corpora do not
annotate (facts, directives) and is kept apart from gold; entities come from the NER corpora's own
labels (`source="ner"`, entity layer only), whose splits are kept (People's Daily dev → train, MSRA train sample → train, CLUENER train → train, dev → dev;
test splits are never read here).
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from ..extractor import Extractor
from ..model import Source, page_to_json
from .data import document_examples, page_view, prediction_examples, rule_hints
from .texts import ner_corpus, news_items, test_news_items

RULE_LAYERS = ("fact", "directive", "dpart", "action")
NER_TRAIN = (("people_daily", "dev", "train"), ("msra", "train", "train"), ("cluener", "train", "train"),
             ("cluener", "dev", "dev"))


def _doc_split(doc_id: str, dev_share: int = 20) -> str:
    return "dev" if zlib.crc32(doc_id.encode()) % dev_share == 0 else "train"


def _predict(extractor: Extractor, doc_id: str, text: str) -> dict | None:
    try:
        return page_to_json(extractor.extract_text(text, Source(doc_id, "", "utf-8", "silver")))
    except Exception as exc:  # noqa: BLE001 — one odd news item must not stop the silver run
        print(f"silver: {doc_id}: {extractor.name} failed ({type(exc).__name__}: {exc}); skipped", file=sys.stderr)
        return None


def silver_examples(external: str | Path | None = None, news_limit: int | None = None,
                    extractor: Extractor | None = None, labeller: Extractor | None = None) -> Iterator[dict]:
    """Facts and directives on the financial news items: the rules' (`extractor`), or a teacher
    model's (`labeller`) with the rules' output as hints."""
    extractor = extractor or Extractor(extractor="rules")
    repo = Path(__file__).resolve().parents[2]
    for n, (doc_id, text) in enumerate(news_items(external, exclude=test_news_items(repo))):
        if news_limit is not None and n >= news_limit:
            break
        rules = _predict(extractor, doc_id, text)
        page = _predict(labeller, doc_id, text) if labeller is not None and rules is not None else rules
        if page is not None:
            yield from prediction_examples(doc_id, page, text, RULE_LAYERS, _doc_split(doc_id),
                                           hints_json=rules if labeller is not None else None)


def ner_examples(external: str | Path | None = None, limit: int | None = None,
                 extractor: Extractor | None = None) -> Iterator[dict]:
    """Entity-only examples from the NER corpora's training splits (their own labels), with the
    rules' output on each sentence as hints."""
    extractor = extractor or Extractor(extractor="rules")
    for corpus, split, our_split in NER_TRAIN:
        try:
            sentences = ner_corpus(corpus, split, external)
        except FileNotFoundError:
            continue
        for sentence in sentences[:limit]:
            spans = [(s, e, label) for s, e, label in sentence.entities]
            view = page_view(sentence.text)
            hints = rule_hints(sentence.text, view, extractor) if view.text == sentence.text else None
            yield from document_examples(sentence.doc_id, sentence.text, spans, [], ("entity",), "ner", our_split,
                                         hints)
