"""gold → spaCy DocBin (export only)."""

from __future__ import annotations

from collections import defaultdict

from ..layers import ENTITY_LABELS
from .graph import LABELS, PageDoc, gold_to_graph


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
