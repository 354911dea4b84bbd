"""Reading and writing files safely: atomic writes (readers never see half a file) and the
prediction files that `evaluate`, `render` and `convert` read. Used by every command."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


class PredictionError(Exception):
    """A prediction file that cannot be read."""


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        binary = isinstance(content, bytes)
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an output file gets the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_predictions(paths: list[str]) -> dict[str, dict]:
    """Page documents from `baozhi extract` JSON/JSONL files, by the sha256 of their page."""
    by_sha = {}
    for path in paths:
        try:
            raw = Path(path).read_text(encoding="utf-8")
            docs = [json.loads(line) for line in raw.splitlines() if line.strip()] if path.endswith(".jsonl") \
                else json.loads(raw)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PredictionError(f"{path}: not a readable prediction file ({exc})") from exc
        for doc in docs if isinstance(docs, list) else [docs]:
            by_sha[doc["source"]["sha256"]] = doc
    return by_sha
