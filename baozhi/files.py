"""Reading and writing files safely: atomic writes (readers never see half a file) and the
prediction files that `evaluate`, `render` and `convert` read. Used by every command."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from pathlib import Path


class PredictionError(Exception):
    """A prediction file that cannot be read."""


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary file beside `path` to write to; on success it is fsynced and renamed over `path`,
    on any failure (a full disk included) it is removed: readers never see half a file, and no
    temporary file is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; an output file gets the usual permissions
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is None:  # a failed write() names no file: name the one that was being written
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, content: str | bytes) -> None:
    """Write `content` to `path` through `replacing`."""
    with replacing(path) as tmp:
        if isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            tmp.write_text(content, encoding="utf-8")


@lru_cache(maxsize=1)
def page_schema() -> dict:
    """The published JSON Schema of a page document (`baozhi/schema/page.schema.json`)."""
    return json.loads(resources.files("baozhi").joinpath("schema/page.schema.json").read_text(encoding="utf-8"))


def load_predictions(paths: list[str | Path]) -> dict[str, dict]:
    """Page documents from `baozhi extract` JSON/JSONL files, by the sha256 of their page. Every
    document is checked against the page schema first: a prediction file is untrusted input (it
    ends up in HTML and in reports), and one that breaks the schema is refused whole."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(page_schema())
    by_sha = {}
    for path in paths:
        try:
            raw = Path(path).read_text(encoding="utf-8")
            docs = [json.loads(line) for line in raw.splitlines() if line.strip()] if str(path).endswith(".jsonl") \
                else json.loads(raw)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PredictionError(f"{path}: not a readable prediction file ({exc})") from exc
        for n, doc in enumerate(docs if isinstance(docs, list) else [docs], 1):
            error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
            if error is not None:
                where = "/".join(str(x) for x in error.absolute_path) or "(top level)"
                raise PredictionError(f"{path}: document {n} breaks the page schema at {where}: {error.message[:200]}")
            by_sha[doc["source"]["sha256"]] = doc
    return by_sha
