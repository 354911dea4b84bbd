"""Stand-off gold: load, locate the page it annotates, verify every span against the page.

A gold file names its page (file name, repo-relative path, sha256); the page itself is never
copied. `check_gold` is what `baozhi gold check` runs and what the tests assert on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .ingest import decode_page

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
    if gold.get("format") != 1:
        raise GoldError(f"{path}: unknown gold format {gold.get('format')!r}")
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


def check_gold(gold: dict, root: str | Path | None = None) -> list[str]:
    """Problems found (empty when the file is consistent with its page)."""
    text, _ = read_gold_page(gold, root)
    problems = []
    for where, span in iter_spans({k: v for k, v in gold.items() if k in ("articles", "facts", "directives",
                                                                          "entities")}):
        if text[span["start"]:span["end"]] != span["text"]:
            problems.append(f"{where}: [{span['start']}:{span['end']}] is {text[span['start']:span['end']]!r}, "
                            f"gold says {span['text']!r}")
    for i, e in enumerate(gold.get("entities", [])):
        if e.get("label") not in ("PER", "LOC", "ORG"):
            problems.append(f"entities[{i}]: unknown label {e.get('label')!r}")
    for i, f in enumerate(gold.get("facts", [])):
        if f.get("change") and f["change"].get("of") not in ("level", "rate"):
            problems.append(f"facts[{i}].change.of must be level or rate")
        if not f.get("value") and not f.get("change"):
            problems.append(f"facts[{i}]: neither value nor change")
    return problems


def discover(paths: list[str | Path]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        out += sorted(p.glob("*.json")) if p.is_dir() else [p]
    return out
