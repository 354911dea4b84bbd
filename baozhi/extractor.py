"""The page pipeline: ingest → repair → segment/annotate/extract (the stages on one carrier) → output model."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .annotate import make_pipeline
from .ingest import decode_page, looks_traditional, normalize_view, read_page
from .model import PageResult, Source
from .repair import repair

EXTRACTOR_NAME = "rules-1.0"
# The options that choose and configure the extractor, with their defaults, read by
# `Extractor.from_options` for the CLI, batch and evaluate (report and the model card do not use it yet).
RUN_OPTIONS = {"segmenter": None, "pkuseg_model": None, "extractor": None, "model": None, "quantize": False,
               "triage": "sentence", "backend": "auto", "threads": None}
MAX_THREADS = 4  # the encoder gains little beyond this on pages of a few thousand characters
MISSING_MODEL_NAME = EXTRACTOR_NAME + " (default model missing)"


def _default_model() -> Path:
    """The shipped model: inside the installed package (wheel), else the checkout's models/default."""
    packaged = Path(__file__).resolve().parent / "default_model"
    return packaged if (packaged / "config.json").exists() else Path(__file__).resolve().parent.parent / "models" / "default"


DEFAULT_MODEL = _default_model()


def model_version(path: str | Path, quantize: bool = False) -> str:
    """`model:<dir name>@<first 12 hex of the weights' sha256>[+int8]`: which model produced an output."""
    path = Path(path)
    name = "default" if path.resolve() == DEFAULT_MODEL.resolve() else path.name  # checkout or wheel alike
    weights = path / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12] if weights.exists() else "unknown"
    return f"model:{name}@{digest}" + ("+int8" if quantize else "")


class Extractor:
    """Holds the pipeline of stages (built once) and turns pages into `PageResult`s.

    `extractor="model"` (the default when `models/default` exists) runs a fine-tuned model for
    facts, directives and entities; `"rules"` runs the rule baseline. By default sentences without
    numbers or cues keep the rules' entities; `triage="paragraph"` sends paragraphs whole,
    `"none"` sends every paragraph. `quantize=True` runs the model's encoder in int8 (dynamic
    quantisation in torch: faster, but each batch's activation range sets the scale, so a window's
    tags can depend on the windows batched with it). `backend="auto"` runs the model in ONNX
    Runtime when its directory has the exported files (neither torch nor transformers is imported
    then), else in torch; `threads` is the encoder's thread count (default: the cores, at most
    MAX_THREADS; keep workers × threads ≤ cores)."""

    def __init__(self, segmenter: str | None = None, pkuseg_model: str | None = None, extractor: str | None = None,
                 model: str | Path | None = None, quantize: bool = False, triage: str = "sentence",
                 backend: str = "auto", threads: int | None = None):
        # what a worker process needs to build the same extractor (`pipe(n_process=…)`)
        self.options = dict(zip(RUN_OPTIONS, (segmenter, pkuseg_model, extractor, str(model) if model else None,
                                              quantize, triage, backend, threads), strict=True))
        missing = extractor is None and not model and not (DEFAULT_MODEL / "config.json").exists()
        if missing:
            print(f"baozhi: warning: the default model is missing ({DEFAULT_MODEL}); running the rules",
                  file=sys.stderr)
        if extractor is None:
            extractor = "rules" if missing else "model"
        if threads is None:
            threads = min(MAX_THREADS, os.cpu_count() or 1)
        if threads < 1:
            raise ValueError(f"threads must be at least 1 (got {threads})")
        if extractor not in ("model", "rules"):
            raise ValueError(f"unknown extractor {extractor!r} (model or rules)")
        if extractor == "model":
            model = Path(model or DEFAULT_MODEL)
            if not (model / "config.json").exists():
                raise OSError(f"{model}: no model there (config.json missing); train one with train.py finetune")
            self.name = model_version(model, quantize)
        else:
            model, self.name = None, MISSING_MODEL_NAME if missing else EXTRACTOR_NAME
        self.pipeline = make_pipeline(segmenter, pkuseg_model, model=str(model) if model else None,
                                      quantize=quantize, triage=triage, backend=backend, threads=threads)

    @classmethod
    def from_options(cls, options) -> Extractor:
        """From a namespace of run options (the CLI's, a batch Config): one place that reads them."""
        return cls(**{key: getattr(options, key, default) for key, default in RUN_OPTIONS.items()})

    def __call__(self, text: str | bytes, name: str = "<text>") -> PageResult:
        """One page from its text (or its raw bytes, decoded as files are); `name` is recorded as the source."""
        if isinstance(text, bytes):
            return self.extract_bytes(text, name)
        return self.extract_bytes(text.encode("utf-8"), name)

    def pipe(self, texts: Iterable[str | bytes | tuple[str | bytes, str]], batch_size: int = 16,
             n_process: int = 1) -> Iterator[PageResult]:
        """Pages in input order. Items are texts, bytes or (text, name) pairs; `n_process` > 1 runs
        that many worker processes, each with its own copy of this extractor (one torch thread each)."""
        items = ((item, f"<text {i}>") if not isinstance(item, tuple) else item for i, item in enumerate(texts))
        if n_process <= 1:
            for text, name in items:
                yield self(text, name)
            return
        with ProcessPoolExecutor(n_process, initializer=_init_worker, initargs=(self.options,)) as pool:
            yield from pool.map(_run_worker, items, chunksize=max(1, batch_size // n_process))

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
        doc = self.pipeline(view)
        return PageResult(source=source, articles=doc.articles, repairs=repairs, extractor=self.name,
                          original=text, page=doc.page, furniture=doc.furniture)


_WORKER: Extractor | None = None


def _init_worker(options: dict) -> None:
    global _WORKER
    _WORKER = Extractor(**{**options, "threads": 1})  # workers × threads ≤ cores


def _run_worker(item: tuple[str | bytes, str]) -> PageResult:
    return _WORKER(*item)


def load(name: str | Path = "default", **options) -> Extractor:
    """`baozhi.load()`: the shipped model; `load("rules")`: the rule baseline; `load(PATH)`: a model
    directory. Options are those of `Extractor` (segmenter, triage, quantize, …)."""
    if str(name) == "default":
        return Extractor(**options)
    if str(name) == "rules":
        return Extractor(extractor="rules", **options)
    if not (Path(name) / "config.json").exists():
        raise OSError(f"{name}: not a model directory (no config.json); use 'default', 'rules' or a path")
    return Extractor(extractor="model", model=name, **options)
