"""Reading and writing interchange files: sniffing a format, gold JSON, pages and predictions."""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_atomic
from .conll import to_conll
from .docbin import to_docbin
from .doccano import from_doccano, to_doccano
from .graph import ConvertError, PageDoc, PageFinder, page_info, prediction_to_gold, read_json, read_jsonl
from .labelstudio import from_labelstudio, labelstudio_config, to_labelstudio


def sniff(path: str | Path) -> str:
    """What an input is: page, pred, gold, labelstudio or doccano."""
    path = Path(path)
    if path.is_dir():
        return "gold" if any(path.glob("*.json")) else "page"
    if path.suffix == ".jsonl":
        first = next(iter(read_jsonl(path)), {})
        return "pred" if "source" in first else "doccano"
    if path.suffix != ".json":
        if _looks_tagged(path):
            raise ConvertError(f"{path}: a token-per-line tagged file (CoNLL/BIO), not a page; it can only be "
                               "written (--to conll), not read")
        return "page"
    data = read_json(path)
    first = (data[0] if data else {}) if isinstance(data, list) else data
    if isinstance(first, dict) and first.get("format") in (1, 2) and first.get("kind", "page") == "page":
        return "gold"
    if isinstance(first, dict) and "data" in first:
        return "labelstudio"
    if isinstance(first, dict) and "source" in first:
        return "pred"
    raise ConvertError(f"{path}: cannot tell what this file is (give --from)")


def _looks_tagged(path: Path, sample: int = 200) -> bool:
    """Most lines of the file's head are `token TAG` with a BIO-style tag: CoNLL, not newspaper text."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = [line.split() for _, line in zip(range(sample), fh, strict=False) if line.strip()]
    except OSError:
        return False
    tagged = sum(1 for parts in lines if len(parts) >= 2 and (parts[-1] == "O" or parts[-1][:2] in ("B-", "I-",
                                                                                                  "E-", "S-")))
    return bool(lines) and tagged >= 0.8 * len(lines)


def gold_json(gold: dict) -> str:
    return json.dumps({k: v for k, v in gold.items() if not k.startswith("_")}, ensure_ascii=False, indent=1) + "\n"


def write_docs(docs: list[PageDoc], target: str, out: str | Path) -> list[Path]:
    """Write `docs` as `target` to `out` (a folder for gold); every file atomically. The written paths."""

    out = Path(out)
    if target == "labelstudio":
        config = out.with_name(out.stem + ".config.xml")
        write_atomic(out, json.dumps([to_labelstudio(d) for d in docs], ensure_ascii=False, indent=1) + "\n")
        write_atomic(config, labelstudio_config())
        return [out, config]
    if target == "doccano":
        write_atomic(out, "".join(json.dumps(to_doccano(d, i), ensure_ascii=False) + "\n"
                                  for i, d in enumerate(docs, 1)))
        return [out]
    if target == "spacy":
        write_atomic(out, to_docbin(docs))
        return [out]
    if target == "conll":
        write_atomic(out, to_conll(docs))
        return [out]
    if target == "gold":
        return _write_gold(docs, out)
    raise ConvertError(f"unknown target format {target!r}")


def _write_gold(docs: list[PageDoc], out: Path) -> list[Path]:

    if out.suffix == ".json":
        if len(docs) != 1:
            raise ConvertError(f"{out}: {len(docs)} pages need a folder, not one .json file")
        paths = [out]
    else:
        paths = [out / f"{Path(d.gold['file']).stem}.json" for d in docs]
    for path, doc in zip(paths, docs, strict=True):
        write_atomic(path, gold_json(doc.gold))
    return paths


# ---------------------------------------------------------------- reading inputs


def _page_files(path: Path) -> list[Path]:
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".txt", ".html", ".htm"))


def read_pages(path: Path, extractor, split: str | None) -> list[PageDoc]:
    """Run the extractor: its output goes out as predictions."""
    from ..model import page_to_json

    docs = []
    for page in _page_files(path):
        result = extractor.extract_file(page)
        docs.append(PageDoc(prediction_to_gold(page_to_json(result), split), result.original, "pred",
                            result.extractor))
    return docs


def read_predictions(path: Path, finder: PageFinder, split: str | None) -> list[PageDoc]:
    """Page JSON/JSONL from `baozhi extract`, with the pages they were extracted from."""
    data = read_jsonl(path) if path.suffix == ".jsonl" else read_json(path)
    docs = []
    for doc in data if isinstance(data, list) else [data]:
        src = doc["source"]
        page = finder.find(Path(src["path"]).name, src["path"])
        text, info = page_info(page)
        if info["sha256"] != src["sha256"]:
            raise ConvertError(f"{path}: {page} is not the page that was extracted (sha256 differs)")
        docs.append(PageDoc(prediction_to_gold(doc, split), text, "pred", doc.get("extractor")))
    return docs


def read_gold_files(path: Path) -> list[PageDoc]:
    from ..gold import discover, load_gold, read_gold_page

    docs = []
    for gold_path in discover([path]):
        gold = load_gold(gold_path)
        docs.append(PageDoc(gold, read_gold_page(gold)[0], "gold"))
    return docs


def read_docs(inputs: list[str], source: str = "auto", pages: list[str] | None = None, split: str | None = None,
              extractor=None) -> list[PageDoc]:
    """Every input as PageDocs. `extractor` is a factory, called once if pages must be extracted."""
    finder = PageFinder(pages)
    kinds = [(sniff(p) if source == "auto" else source, Path(p)) for p in inputs]
    engine = extractor() if any(kind == "page" for kind, _ in kinds) else None
    docs = []
    for kind, path in kinds:
        if kind == "page":
            docs += read_pages(path, engine, split)
        elif kind == "pred":
            docs += read_predictions(path, finder, split)
        elif kind == "gold":
            docs += read_gold_files(path)
        elif kind == "labelstudio":
            docs += from_labelstudio(path, finder, split)
        elif kind == "doccano":
            docs += from_doccano(path, finder, split)
        else:
            raise ConvertError(f"unknown input format {kind!r}")
    return docs
