"""The page pipeline: ingest → repair → (spaCy) segment/annotate/extract → output model."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .annotate import make_doc, make_nlp
from .ingest import decode_page, looks_traditional, normalize_view, read_page
from .model import PageResult, Source
from .repair import repair

EXTRACTOR_NAME = "rules-1.0"
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "default"


def model_version(path: str | Path, quantize: bool = False) -> str:
    """`model:<dir name>@<first 12 hex of the weights' sha256>[+int8]`: which model produced an output."""
    path = Path(path)
    weights = path / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12] if weights.exists() else "unknown"
    return f"model:{path.name}@{digest}" + ("+int8" if quantize else "")


class Extractor:
    """Holds the spaCy pipeline (built once) and turns pages into `PageResult`s.

    `extractor="model"` (the default when `models/default` exists) runs a fine-tuned model for
    facts, directives and entities; `"rules"` runs the rule baseline. By default sentences without
    numbers or cues keep the rules' entities; `triage="paragraph"` sends paragraphs whole,
    `"none"` sends every paragraph. `quantize=True` runs the model's encoder in int8 (dynamic
    quantisation: faster, but each batch's activation range sets the scale, so a window's tags
    can depend on the windows batched with it)."""

    def __init__(self, segmenter: str | None = None, pkuseg_model: str | None = None, extractor: str | None = None,
                 model: str | Path | None = None, quantize: bool = False, triage: str = "sentence"):
        if extractor is None:
            extractor = "model" if model or (DEFAULT_MODEL / "config.json").exists() else "rules"
        if extractor not in ("model", "rules"):
            raise ValueError(f"unknown extractor {extractor!r} (model or rules)")
        if extractor == "model":
            model = Path(model or DEFAULT_MODEL)
            if not (model / "config.json").exists():
                raise OSError(f"{model}: no model there (config.json missing); train one with train.py finetune")
            self.name = model_version(model, quantize)
        else:
            model, self.name = None, EXTRACTOR_NAME
        # The model reads characters, so by default its Doc needs no word segmentation (jieba would
        # cost as much as the model itself); the rules need jieba's words.
        segmenter = segmenter or ("char" if model else "jieba")
        self.nlp = make_nlp(segmenter, pkuseg_model, model=str(model) if model else None, quantize=quantize,
                            triage=triage)

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
        return PageResult(source=source, articles=doc._.articles, repairs=repairs, extractor=self.name,
                          original=text)
