"""Stand-off gold: load, locate the page it annotates, verify every span against the page.

A gold file names its page (file name, repo-relative path, sha256); the page itself is never
copied. `check_gold` is what `baozhi gold check` runs and what the tests assert on.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from .ingest import decode_page
from .layers import ENTITY_LABELS
from .lexicon import ARTICLE_KINDS, BASIS_CLASSES, FURNITURE_KINDS, MODALITIES, SCOPE_KINDS

FORMATS = (1, 2)
# Evaluation files of the outside corpora that are never annotated, trained, pretrained or tuned on.
RESERVED_NAMES = ("eval_list.json",)

SPAN_KEYS = ("title", "byline", "source_line", "continued_from", "continued_to", "metric", "value", "change",
             "basis", "period", "scope", "core", "verb", "object")


class GoldError(Exception):
    pass


def load_gold(path: str | Path) -> dict:
    path = Path(path)
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GoldError(f"{path}: not a readable gold JSON file ({exc})") from exc
    if gold.get("format") not in FORMATS:
        raise GoldError(f"{path}: unknown gold format {gold.get('format')!r}")
    if gold.get("kind") == "news" and Path(gold.get("path", "")).name in RESERVED_NAMES:
        raise GoldError(f"{path}: {gold['path']} is reserved for outside evaluation and is never annotated")
    gold["_gold_path"] = str(path)
    return gold


def page_path(gold: dict, root: str | Path | None = None) -> Path:
    """Resolve the page a gold file annotates: its `path` relative to the repo root (the parent of
    annotations/), else next to the gold file."""
    gold_path = Path(gold["_gold_path"]).resolve()
    roots = [Path(root)] if root else []
    roots += [gold_path.parent.parent.parent, Path.cwd()]
    for base in roots:
        candidate = (base / gold["path"]).resolve()
        if candidate.exists():
            return candidate
    raise GoldError(f"{gold['_gold_path']}: page {gold['path']} not found")


def read_gold_page(gold: dict, root: str | Path | None = None) -> tuple[str, bytes]:
    path = page_path(gold, root)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != gold["sha256"]:
        raise GoldError(f"{gold['_gold_path']}: sha256 of {path} is {digest}, gold expects {gold['sha256']}")
    text, _ = decode_page(data, str(path))
    return text, data


def iter_spans(obj, where: str = ""):
    """Every {start, end, text} object inside a gold or prediction document."""
    if isinstance(obj, dict):
        if {"start", "end", "text"} <= obj.keys():
            yield where, obj
        for key, value in obj.items():
            if not key.startswith("_"):
                yield from iter_spans(value, f"{where}.{key}")
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from iter_spans(value, f"{where}[{i}]")


def read_news_item(gold: dict, item: dict, root: str | Path | None = None) -> str:
    """The text of one annotated news item, verified against the item's sha256."""
    records = _news_records(str(page_path(gold, root)))
    record = records[item["item"]]
    text = record[item["field"]]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != item["sha256"]:
        raise GoldError(f"{gold['_gold_path']}: item {item['item']} has sha256 {digest}, gold expects {item['sha256']}")
    return text


@lru_cache(maxsize=4)
def _news_records(path: str) -> list:
    """A corpus file's records, read once for all the items annotated in it."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def check_gold(gold: dict, root: str | Path | None = None) -> list[str]:
    """Problems found (empty when the file is consistent with its page or news items)."""
    if gold.get("kind") == "news":
        problems = []
        for i, item in enumerate(gold.get("items", [])):
            try:
                text = read_news_item(gold, item, root)
            except (GoldError, IndexError, KeyError, TypeError) as exc:
                problems.append(f"items[{i}]: {exc}")
                continue
            problems += [f"items[{i}]{p}" for p in _check_document(text, item, gold["format"])]
        return problems
    text, _ = read_gold_page(gold, root)
    return _check_document(text, gold, gold["format"])


def _check_document(text: str, doc: dict, fmt: int) -> list[str]:
    problems = []
    keys = ("articles", "facts", "directives", "entities", "furniture", "page", "headline")
    for where, span in iter_spans({k: v for k, v in doc.items() if k in keys}):
        if text[span["start"]:span["end"]] != span["text"]:
            problems.append(f"{where}: [{span['start']}:{span['end']}] is {text[span['start']:span['end']]!r}, "
                            f"gold says {span['text']!r}")
    for i, e in enumerate(doc.get("entities", [])):
        if e.get("label") not in ENTITY_LABELS:
            problems.append(f"entities[{i}]: unknown label {e.get('label')!r}")
    for i, f in enumerate(doc.get("facts", [])):
        if f.get("change") and f["change"].get("of") not in ("level", "rate"):
            problems.append(f"facts[{i}].change.of must be level or rate")
        if not f.get("value") and not f.get("change"):
            problems.append(f"facts[{i}]: neither value nor change")
        if fmt >= 2:
            problems += [f"facts[{i}]: {p}" for p in _format2_fact_problems(f)]
    if fmt >= 2:
        for i, part in enumerate(doc.get("furniture", [])):
            if part.get("kind") not in FURNITURE_KINDS:
                problems.append(f"furniture[{i}]: unknown kind {part.get('kind')!r}")
        for i, article in enumerate(doc.get("articles", [])):
            if article.get("kind", "article") not in ARTICLE_KINDS:
                problems.append(f"articles[{i}]: unknown kind {article.get('kind')!r}")
    return problems


SPAN_KEYS = {"start", "end", "text"}
FACT_KEYS = {"metric", "metric_name", "value", "change", "basis", "basis_class", "period", "period_norm", "scope",
             "scope_name", "scope_kind", "modality"}
VALUE_KEYS = SPAN_KEYS | {"number", "unit", "approx", "low", "high"}
CHANGE_KEYS = VALUE_KEYS | {"of"}


def _format2_fact_problems(fact: dict) -> list[str]:
    problems = [f"missing {key}" for key in ("metric_name", "period_norm", "basis_class", "scope_name",
                                             "scope_kind", "modality") if key not in fact]
    stray = [f"fact.{k}" for k in set(fact) - FACT_KEYS]
    for part, allowed in (("value", VALUE_KEYS), ("change", CHANGE_KEYS)):
        if isinstance(fact.get(part), dict):
            stray += [f"{part}.{k}" for k in set(fact[part]) - allowed]
    problems += [f"unknown field {k} (a typo or a tool's leftover)" for k in sorted(stray)]
    if fact.get("modality") not in MODALITIES:
        problems.append(f"modality {fact.get('modality')!r} is not one of {MODALITIES}")
    if fact.get("basis_class") not in (*BASIS_CLASSES, None):
        problems.append(f"basis_class {fact.get('basis_class')!r} is not one of {BASIS_CLASSES}")
    if fact.get("basis") and not fact.get("basis_class"):
        problems.append("a basis without basis_class")
    if fact.get("scope_kind") not in (*SCOPE_KINDS, None):
        problems.append(f"scope_kind {fact.get('scope_kind')!r} is not one of {SCOPE_KINDS}")
    if len(fact.get("metric_name") or "") < 2:
        problems.append(f"metric_name {fact.get('metric_name')!r} is not a noun phrase")
    return problems


def discover(paths: list[str | Path], kind: str = "page") -> list[Path]:
    """Gold files below `paths` of one kind: `page` (the default) or `news`."""
    out = []
    for p in map(Path, paths):
        out += sorted(p.glob("*.json")) if p.is_dir() else [p]
    return [p for p in out if _kind_of(p) == kind]


def _kind_of(path: Path) -> str:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("kind", "page")
    except (OSError, json.JSONDecodeError, AttributeError):
        return "page"  # load_gold reports the file
