"""The page pipeline: ingest → repair → (spaCy) segment/annotate/extract → output model."""

from __future__ import annotations

from pathlib import Path

from .annotate import make_doc, make_nlp
from .ingest import decode_page, looks_traditional, normalize_view, read_page
from .model import PageResult, Source
from .repair import repair

EXTRACTOR_NAME = "rules-1.0"


class Extractor:
    """Holds the spaCy pipeline (built once) and turns pages into `PageResult`s."""

    def __init__(self, segmenter: str = "jieba", pkuseg_model: str | None = None):
        self.nlp = make_nlp(segmenter, pkuseg_model)

    def extract_file(self, path: str | Path) -> PageResult:
        text, source = read_page(path)
        return self.extract_text(text, source)

    def extract_bytes(self, data: bytes, name: str) -> PageResult:
        text, source = decode_page(data, name)
        return self.extract_text(text, source)

    def extract_text(self, text: str, source: Source) -> PageResult:
        traditional = looks_traditional(text)
        source.converted_from_traditional = traditional
        view, repairs = repair(normalize_view(text, simplify=traditional))
        doc = make_doc(self.nlp, view.text)
        doc._.view = view
        for _, component in self.nlp.pipeline:
            doc = component(doc)
        return PageResult(source=source, articles=doc._.articles, repairs=repairs, extractor=EXTRACTOR_NAME,
                          original=text)
