"""Batch processing of archives: streaming, per-page isolation, resumable, local or Dask.

Pages are cut into chunks in a deterministic order. A worker turns one chunk into one part
of every output (documents, errors, Parquet tables), each written atomically; the driver then
commits the chunk with a marker file. A killed run resumes by redoing only uncommitted chunks,
and the final files (documents.jsonl, errors.jsonl, stitched articles, manifest.json) are
assembled from committed parts, so every page lands exactly once whatever the worker count.
A finished run keeps one copy of its documents: their parts are cut back out of documents.jsonl
when a later run needs to check them.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import json
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .files import replacing, write_atomic
from .model import page_to_json
from .tables import SCHEMAS, PageMeta, page_rows, to_table

TEXT_SUFFIXES = {".txt", ".text", ".html", ".htm"}
WORK = "_work"


class BatchError(Exception):
    pass


@dataclass(frozen=True)
class PageRef:
    page_id: str
    path: str
    line: int | None = None  # JSONL archives: the 1-based line; files: None
    paper: str | None = None
    date: str | None = None
    page: int | None = None
    text: str | None = None  # JSONL payload, carried to the worker
    error: str | None = None  # a JSONL record that is not a page


@dataclass(frozen=True)
class Config:
    segmenter: str | None = None  # None: jieba
    pkuseg_model: str | None = None
    timeout: float = 60.0  # wall seconds per page
    max_memory: int = 4096  # MB resident per worker process; a page that pushes a worker over it fails
    extractor: str | None = None  # None: the model when models/default exists, else the rules
    model: str | None = None
    quantize: bool = False
    triage: str = "sentence"
    backend: str = "auto"  # the model's runtime: ONNX when the model has its files, else torch
    threads: int | None = None  # encoder threads per worker process; None: the cores shared among the workers


def extractor_name(config: Config) -> str:
    """What produced the tables, recorded in the plan so a resumed run cannot mix extractors."""
    from .extractor import DEFAULT_MODEL, EXTRACTOR_NAME, model_version

    if config.extractor == "rules" or (config.extractor is None and not config.model
                                       and not (DEFAULT_MODEL / "config.json").exists()):
        return EXTRACTOR_NAME
    return model_version(config.model or DEFAULT_MODEL, config.quantize)


@dataclass
class ChunkDone:
    index: int
    pages: list[tuple[str, str]] = field(default_factory=list)  # (page_id, sha256)
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)  # part path under --out → sha256 of its bytes


# -- inputs --------------------------------------------------------------------------------

def path_pattern(pattern: str) -> re.Pattern:
    """`{paper}/{yyyy}-{mm}-{dd}/{page}.txt` → a regex matched against the end of a page's path."""
    fields = {"paper": r"(?P<paper>[^/]+)", "yyyy": r"(?P<yyyy>\d{4})", "mm": r"(?P<mm>\d{1,2})",
              "dd": r"(?P<dd>\d{1,2})", "page": r"(?P<page>\d+)", "any": r"[^/]*"}
    out, pos = "", 0
    for m in re.finditer(r"\{(\w+)\}", pattern):
        if m.group(1) not in fields:
            raise BatchError(f"path pattern {pattern!r}: unknown field {{{m.group(1)}}}")
        out += re.escape(pattern[pos:m.start()]) + fields[m.group(1)]
        pos = m.end()
    return re.compile(r"(?:^|/)" + out + re.escape(pattern[pos:]) + "$")


def _meta_from_path(rel: str, pattern: re.Pattern | None) -> dict:
    if pattern is None:
        return {}
    m = pattern.search(rel)
    if not m:
        return {}
    g = m.groupdict()
    date = f"{g['yyyy']}-{int(g['mm']):02d}-{int(g['dd']):02d}" if g.get("yyyy") and g.get("mm") and g.get("dd") else None
    return {"paper": g.get("paper"), "date": date, "page": int(g["page"]) if g.get("page") else None}


def _expand(inputs: list[str]) -> list[tuple[Path, Path]]:
    """(file, root it was found under) in a deterministic order."""
    found: list[tuple[Path, Path]] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and (f.suffix in TEXT_SUFFIXES or f.suffix == ".jsonl"))
            found += [(f, p) for f in files]
        elif p.is_file():
            found.append((p, p.parent))
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise BatchError(f"{item}: no such file, folder or matching glob")
            found += [(Path(m), Path(m).parent) for m in matches if Path(m).is_file()]
    return found


def iter_pages(inputs: list[str], pattern: str | None = None) -> Iterator[PageRef]:
    regex = path_pattern(pattern) if pattern else None
    for path, root in _expand(inputs):
        rel = path.relative_to(root).as_posix() if path != root else path.name
        if path.suffix == ".jsonl":
            yield from _iter_jsonl(path, rel)
        else:
            yield PageRef(page_id=rel, path=str(path), **_meta_from_path(rel, regex))


def _iter_jsonl(path: Path, rel: str) -> Iterator[PageRef]:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text = rec["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                yield PageRef(page_id=f"{rel}:{n}", path=str(path), line=n, error=f"bad JSONL record: {exc}")
                continue
            page = rec.get("page")
            yield PageRef(page_id=str(rec.get("id") or f"{rel}:{n}"), path=str(path), line=n, text=text,
                          paper=rec.get("paper"), date=rec.get("date"),
                          page=int(page) if isinstance(page, int | str) and str(page).isdigit() else None)


def fingerprint(refs: Iterator[PageRef]) -> tuple[str, int]:
    h = hashlib.sha256()
    n = 0
    for ref in refs:
        h.update(f"{ref.page_id}\t{ref.path}\t{ref.line}\n".encode())
        n += 1
    return h.hexdigest(), n


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_hashes(inputs: list[str]) -> dict[str, str]:
    """sha256 of every input file: a resume must not mix parts made from other bytes."""
    return {str(path): file_sha256(path) for path, _ in _expand(inputs)}


def chunks(refs: Iterator[PageRef], size: int) -> Iterator[tuple[int, list[PageRef]]]:
    batch, index = [], 0
    for ref in refs:
        batch.append(ref)
        if len(batch) == size:
            yield index, batch
            batch, index = [], index + 1
    if batch:
        yield index, batch


# -- one chunk (runs in a worker) --------------------------------------------------------------

@lru_cache(maxsize=2)
def _extractor(config: Config):
    """One pipeline per worker process, built on its first page and reused."""
    from .extractor import Extractor

    return Extractor.from_options(config)


class _PageTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _PageTimeout()


def _extract(ref: PageRef, config: Config):
    from .model import Source

    extractor = _extractor(config)
    if ref.text is not None:
        data = ref.text.encode("utf-8")
        source = Source(f"{ref.path}:{ref.line}", hashlib.sha256(data).hexdigest(), "utf-8", "jsonl record")
        return extractor.extract_text(ref.text, source)
    if ref.error is not None:
        raise ValueError(ref.error)
    return extractor.extract_file(ref.path)


def _write_parquet(path: Path, table: pa.Table) -> None:
    with replacing(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def run_chunk(index: int, refs: list[PageRef], out: str, config: Config, known_failures: dict[str, str] | None = None,
              on_page=None) -> ChunkDone:
    """Extract one chunk and write its parts. Never raises for a page: failures become records.
    `known_failures` holds pages that killed a worker (id → reason): they are recorded, not run.
    `on_page(position)` is called before each page and `on_page(None)` before the parts are
    written, so a supervisor knows which page is running."""
    out_dir = Path(out)
    done = ChunkDone(index)
    rows: dict[str, list[dict]] = {name: [] for name in SCHEMAS}
    docs, errors = [], []
    known_failures = known_failures or {}
    use_alarm = config.timeout > 0 and hasattr(signal, "setitimer") and _in_main_thread()
    for position, ref in enumerate(refs):
        if ref.page_id in known_failures:
            errors.append({"id": ref.page_id, "path": ref.path, "line": ref.line, "reason": known_failures[ref.page_id]})
            done.failed += 1
            continue
        if on_page is not None:
            on_page(position)
        try:
            if use_alarm:
                old = signal.signal(signal.SIGALRM, _on_alarm)
                signal.setitimer(signal.ITIMER_REAL, config.timeout)
            try:
                result = _extract(ref, config)
            finally:
                if use_alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    signal.signal(signal.SIGALRM, old)
        except _PageTimeout:
            errors.append({"id": ref.page_id, "path": ref.path, "line": ref.line,
                           "reason": timeout_reason(config)})
            done.failed += 1
            continue
        except Exception as exc:  # per-page isolation: any stage failure is recorded, not fatal
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            errors.append({"id": ref.page_id, "path": ref.path, "line": ref.line,
                           "reason": f"{type(exc).__name__}: {reason}"})
            done.failed += 1
            continue
        from_path = any(x is not None for x in (ref.paper, ref.date, ref.page))
        info = result.page  # the masthead's, when the path pattern gives nothing
        meta = (PageMeta(ref.page_id, ref.paper, ref.date, ref.page) if from_path
                else PageMeta(ref.page_id, info.paper, info.date, info.page))
        doc = page_to_json(result)
        doc["page"] = {**doc["page"], "id": ref.page_id, "paper": meta.paper, "date": meta.date, "page": meta.page,
                       "metadata_from": "path" if from_path else ("masthead" if info.masthead else None)}
        docs.append(json.dumps(doc, ensure_ascii=False, sort_keys=False))
        for name, new in page_rows(meta, result).items():
            rows[name].extend(new)
        done.pages.append((ref.page_id, result.source.sha256))
    if on_page is not None:
        on_page(None)
    for name in SCHEMAS:
        _write_parquet(out_dir / name / f"{part_name(index)}.parquet", to_table(name, rows[name]))
        done.rows[name] = len(rows[name])
    write_atomic(out_dir / WORK / "documents" / f"{part_name(index)}.jsonl", "".join(d + "\n" for d in docs))
    write_atomic(out_dir / WORK / "errors" / f"{part_name(index)}.jsonl",
                 "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors))
    done.sha256 = {rel: file_sha256(out_dir / rel) for rel in part_files(index)}
    return done


def part_name(index: int) -> str:
    return f"part-{index:05d}"


def part_files(index: int) -> list[str]:
    """Every file one chunk writes, relative to --out."""
    part = part_name(index)
    return [f"{name}/{part}.parquet" for name in SCHEMAS] + [f"{WORK}/{sub}/{part}.jsonl" for sub in ("documents", "errors")]


def timeout_reason(config: Config) -> str:
    return f"timeout after {config.timeout:g}s"


def memory_reason(config: Config) -> str:
    return f"over the memory bound ({config.max_memory} MB resident)"


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


# -- supervised worker processes -------------------------------------------------------------

class ChunkFailed(BatchError):
    """A chunk that no retry can finish: its worker dies outside any page, or cannot write its parts."""


class Supervisor:
    """One worker process, watched: a page that runs past the timeout or pushes the worker's resident
    memory over the bound is killed with it and recorded as failed; a worker that dies by itself
    (segfault, OOM kill) costs its chunk one retry, and if it dies again the page it was running is
    recorded as failed and the chunk runs once more without it. The driver, a Dask worker or any
    process can own one, so the bounds hold in every engine."""

    worker = None  # the worker process's entry point (None: _worker_main)
    POLL = 0.05  # seconds between checks of a running page
    GRACE = 5.0  # seconds past the timeout before the worker is killed (the worker's own alarm comes first)

    def __init__(self, out: str, config: Config):
        self.out, self.config = out, config
        self.process = None
        self.conn = None
        self.deadline: float | None = None  # the running page's, None between pages

    def _start(self) -> tuple[str, str | None]:
        context = multiprocessing.get_context("spawn")  # not fork: torch's thread pool does not survive it
        self.conn, child = context.Pipe()
        self.process = context.Process(target=self.worker or _worker_main, args=(child, self.out, self.config, os.getpid()),
                                       daemon=False)
        try:
            self.process.start()
        except AssertionError as exc:  # multiprocessing refuses children to daemonic processes
            raise ChunkFailed("a supervised worker cannot start in a daemonic process; run Dask workers with "
                              "the setting distributed.worker.daemon: false") from exc
        child.close()
        self.deadline = None
        kind, detail = self._receive()
        if kind == "error":
            self.close()
            raise ChunkFailed(f"the worker process could not start: {detail}")
        return kind, detail

    def _receive(self):
        """The worker's next message, or ("died", reason) / ("bound", reason) when it had to be stopped.
        The bounds apply while a page runs (`self.deadline` is set)."""
        import psutil

        limit = self.config.max_memory * 1024 * 1024
        watched = psutil.Process(self.process.pid)
        while True:
            try:
                if self.conn.poll(self.POLL):
                    return self.conn.recv()
            except (EOFError, OSError):
                pass
            if not self.process.is_alive():
                self.process.join()
                return "died", f"worker process died ({_exit_reason(self.process.exitcode)})"
            deadline = self.deadline
            if deadline is None:
                continue
            try:
                rss = watched.memory_info().rss
            except psutil.Error:
                rss = 0
            if self.config.max_memory and rss > limit:
                self._kill()
                return "bound", memory_reason(self.config)
            if self.config.timeout > 0 and time.monotonic() > deadline:
                self._kill()
                return "bound", timeout_reason(self.config)

    def run(self, index: int, refs: list[PageRef]) -> ChunkDone:
        failed: dict[str, str] = {}
        deaths = 0
        while True:
            position = self.deadline = None
            kind, detail = self._start() if self.process is None else ("ready", None)
            if kind == "ready":
                self.conn.send((index, refs, failed))
                while True:
                    kind, detail = self._receive()
                    if kind != "page":
                        break
                    position = detail
                    self.deadline = None if detail is None else time.monotonic() + self.config.timeout + self.GRACE
            if kind == "done":
                return detail
            if kind == "fatal":  # the worker could not write its parts (a full disk): the run fails
                self.close()
                raise detail
            self._reset()
            if kind == "died":
                deaths += 1
                if deaths == 1:
                    print(f"baozhi batch: {detail} in {part_name(index)}; retrying it", file=sys.stderr)
                    continue
                if position is None or refs[position].page_id in failed:
                    raise ChunkFailed(f"{part_name(index)}: {detail} twice outside any page")
                detail += "; retried once"
            failed[refs[position].page_id] = detail

    def _kill(self) -> None:
        self.process.kill()
        self.process.join()

    def _reset(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.process = self.conn = None

    def close(self) -> None:
        if self.process is not None and self.process.is_alive():
            try:
                self.conn.send(None)
                self.process.join(10)
            except OSError:
                pass
            if self.process.is_alive():
                self._kill()
        self._reset()


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _worker_main(conn, out: str, config: Config, parent: int) -> None:
    """A worker process: builds the extractor, then runs chunks until told to stop."""
    _worker_init(out, parent)
    try:
        _extractor(config)
    except Exception as exc:  # a bad model path: the supervisor reports it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while (task := conn.recv()) is not None:
        index, refs, failed = task
        try:
            done = run_chunk(index, refs, out, config, failed, on_page=lambda i: conn.send(("page", i)))
        except OSError as exc:
            conn.send(("fatal", exc))
            return
        conn.send(("done", done))
    (_workers_dir(out) / str(os.getpid())).unlink(missing_ok=True)


_DASK_SUPERVISOR: dict = {}
_DASK_LOCK = threading.Lock()


def supervised_chunk(index: int, refs: list[PageRef], out: str, config: Config) -> ChunkDone:
    """A chunk run by this process's supervised worker (Dask tasks call this in their worker)."""
    with _DASK_LOCK:
        key = (out, config)
        supervisor = _DASK_SUPERVISOR.get(key)
        if supervisor is None:
            for old in _DASK_SUPERVISOR.values():
                old.close()
            _DASK_SUPERVISOR.clear()
            supervisor = _DASK_SUPERVISOR[key] = Supervisor(out, config)
        return supervisor.run(index, refs)


# -- driver ----------------------------------------------------------------------------------

@dataclass
class Summary:
    pages: int
    failed: int
    chunks_done: int
    chunks_skipped: int
    seconds: float
    already_complete: bool = False


class Progress:
    """A rich progress bar on a terminal, plain log lines otherwise."""

    def __init__(self, total: int, quiet: bool = False):
        self.total, self.done, self.start, self.quiet = total, 0, time.monotonic(), quiet
        self.bar = None
        self.last_log = 0.0
        if not quiet and sys.stderr.isatty():
            from rich.progress import BarColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self.bar = Bar(TextColumn("pages"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                           TextColumn("{task.fields[rate]:.1f} pages/s"), TimeRemainingColumn(), transient=False)
            self.task = self.bar.add_task("pages", total=total, rate=0.0)
            self.bar.start()

    def advance(self, n: int) -> None:
        self.done += n
        rate = self.done / max(time.monotonic() - self.start, 1e-6)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, rate=rate)
        elif not self.quiet and (time.monotonic() - self.last_log > 5 or self.done >= self.total):
            self.last_log = time.monotonic()
            eta = (self.total - self.done) / rate if rate else 0
            print(f"baozhi batch: {self.done}/{self.total} pages, {rate:.1f} pages/s, eta {eta:.0f}s",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _plan_path(out: Path) -> Path:
    return out / WORK / "plan.json"


def _marker(out: Path, index: int) -> Path:
    return out / WORK / "done" / f"{part_name(index)}.json"


def chunk_problem(out: Path, marker: Path) -> str | None:
    """Why a chunk marked done cannot be trusted (a part missing, or other bytes than its marker
    recorded: truncated, corrupted, replaced), or None when every part is as written."""
    done = json.loads(marker.read_text(encoding="utf-8"))
    for rel in part_files(done["index"]):
        path = out / rel
        if not path.exists():
            return f"{rel} is missing"
        if file_sha256(path) != done.get("sha256", {}).get(rel):
            return f"{rel} was altered (its sha256 is not the one its marker recorded)"
    return None


def _damaged(out: Path) -> list[tuple[Path, str]]:
    found = []
    for marker in sorted((out / WORK / "done").glob("part-*.json")):
        problem = chunk_problem(out, marker)
        if problem:
            found.append((marker, problem))
    return found


def _changed_inputs(out: Path, hashes: dict[str, str]) -> list[str]:
    try:
        before = json.loads((out / WORK / "inputs.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    return sorted(p for p in before.keys() | hashes.keys() if before.get(p) != hashes.get(p))


# -- worker processes die with their driver ---------------------------------------------------

def _workers_dir(out: str | Path) -> Path:
    return Path(out) / WORK / "workers"


def _worker_init(out: str, driver: int) -> None:
    """Runs in each worker: record the pid, and exit as soon as the driver is gone (kill -9 of
    the driver must not leave workers writing into --out)."""
    folder = _workers_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / str(os.getpid())).write_text(str(driver), encoding="utf-8")
    threading.Thread(target=_watch_driver, args=(driver,), daemon=True).start()


def _watch_driver(driver: int) -> None:
    while os.getppid() == driver:
        time.sleep(0.2)
    os._exit(70)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:  # no /proc (macOS): the pid answers, so count it
        return True
    return not cmdline or b"python" in cmdline  # a recycled pid is someone else's; empty: still starting


def _driver_lock(out: Path) -> int | None:
    """The pid of a live driver that holds `--out` (one writer per output); a stale lock left by a
    killed driver is ignored and taken over."""
    try:
        pid = int((out / WORK / "driver").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return pid if pid != os.getpid() and _alive(pid) else None


def _orphan(out: Path, pid: int) -> bool:
    """A worker whose driver is dead (it is about to exit by itself)."""
    try:
        driver = int((_workers_dir(out) / str(pid)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return not _alive(driver)


def live_workers(out: str | Path) -> list[int]:
    """Workers of an earlier run that still live; records of dead ones are removed."""
    folder = _workers_dir(out)
    live = []
    for record in sorted(folder.glob("*")) if folder.exists() else []:
        if record.name.isdigit() and _alive(int(record.name)):
            live.append(int(record.name))
        else:
            record.unlink(missing_ok=True)
    return live


def run_batch(inputs: list[str], out: str | Path, *, workers: int = 1, engine: str = "local",
              scheduler: str | None = None, resume: bool = False, config: Config | None = None,
              pattern: str | None = None, chunk_size: int = 16, quiet: bool = False) -> Summary:
    config = config or Config()
    if config.threads is None:  # workers × threads ≤ cores
        config = dataclasses.replace(config, threads=max(1, (os.cpu_count() or 1) // max(1, workers)))
    out = Path(out)
    started = time.time()
    driver = _driver_lock(out)
    if driver is not None:
        raise BatchError(f"{out}: another baozhi batch (pid {driver}) is writing into it; wait for it to finish")
    alive = live_workers(out)
    for _ in range(40):  # workers of a driver that was just killed exit within a moment: give them 2 s
        if not alive or not all(_orphan(out, pid) for pid in alive):
            break
        time.sleep(0.05)
        alive = live_workers(out)
    if alive:
        raise BatchError(f"{out}: worker process {alive[0]} of an earlier run is still running; "
                         "wait for it to exit or kill it")
    digest, total = fingerprint(iter_pages(inputs, pattern))
    hashes = input_hashes(inputs)
    contents = hashlib.sha256(json.dumps(sorted(hashes.items())).encode()).hexdigest()
    plan = {"fingerprint": digest, "inputs_sha256": contents, "pages": total, "chunk_size": chunk_size,
            "pattern": pattern,
            "segmenter": config.segmenter, "pkuseg_model": config.pkuseg_model, "extractor": extractor_name(config)}
    if plan["extractor"].startswith("model:"):  # what the model reads changes its output too
        plan["triage"] = config.triage
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        complete = manifest.get("plan") == plan and manifest.get("status") == "complete"
        if complete:
            _restore_documents(out)
        damaged = _damaged(out) if complete else []
        if complete and not damaged:
            _drop_document_parts(out)
            return Summary(total, manifest["failed"], 0, 0, 0.0, already_complete=True)
        if damaged and not resume:
            raise BatchError(f"{out}: {damaged[0][1]} ({len(damaged)} damaged chunk(s)); "
                             "run again with --resume to rebuild them")
        if not resume:
            raise BatchError(f"{out}: holds a finished run of other inputs; choose another --out")
    if _plan_path(out).exists():
        previous = json.loads(_plan_path(out).read_text(encoding="utf-8"))
        changed = _changed_inputs(out, hashes)
        if previous != plan and changed:
            raise BatchError(f"{out}: input {changed[0]} changed since the run began (sha256 differs); "
                             "restore it or choose another --out")
        if previous != plan:
            raise BatchError(f"{out}: holds an unfinished run of other inputs or settings; choose another --out")
        if not resume:
            raise BatchError(f"{out}: holds an unfinished run; add --resume to finish it")
        for marker, problem in _damaged(out):
            print(f"baozhi batch: {problem}; redoing {marker.stem}", file=sys.stderr)
            marker.unlink()
    elif out.exists() and any(out.iterdir()):
        raise BatchError(f"{out}: exists and is not a baozhi batch output")
    write_atomic(_plan_path(out), json.dumps(plan, indent=1))
    write_atomic(out / WORK / "inputs.json", json.dumps(hashes, ensure_ascii=False, indent=0))

    progress = Progress(total, quiet)
    skipped = done_count = 0

    def pending():
        nonlocal skipped
        for index, refs in chunks(iter_pages(inputs, pattern), chunk_size):
            if _marker(out, index).exists():
                skipped += 1
                progress.advance(len(refs))
                continue
            yield index, refs

    def commit(result: ChunkDone) -> None:
        nonlocal done_count
        write_atomic(_marker(out, result.index), json.dumps(asdict(result)))
        done_count += 1
        progress.advance(len(result.pages) + result.failed)

    lock = out / WORK / "driver"
    write_atomic(lock, str(os.getpid()))
    try:
        if engine == "local":
            _run_local(pending(), str(out), config, workers, commit)
        elif engine == "dask":
            _run_dask(pending(), str(out), config, workers, scheduler, commit)
        else:
            raise BatchError(f"unknown engine {engine!r}")
    finally:
        progress.close()
    try:
        failed = finalize(out, plan, hashes, pattern, started, engine, workers)
    finally:
        lock.unlink(missing_ok=True)
    return Summary(total, failed, done_count, skipped, time.time() - started)


def _run_local(tasks, out: str, config: Config, workers: int, commit) -> None:
    """`workers` supervised worker processes, each fed by one driver thread."""
    from concurrent.futures import ThreadPoolExecutor

    workers = max(1, workers)
    idle = [Supervisor(out, config) for _ in range(workers)]
    lock = threading.Lock()

    def run(index, refs):
        with lock:
            supervisor = idle.pop()
        try:
            return supervisor.run(index, refs)
        finally:
            with lock:
                idle.append(supervisor)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            in_flight = set()
            for index, refs in tasks:
                in_flight.add(pool.submit(run, index, refs))
                if len(in_flight) >= 2 * workers:  # bounded: memory does not grow with the archive
                    finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for f in finished:
                        commit(f.result())
            for f in in_flight:
                commit(f.result())
    finally:
        for supervisor in idle:
            supervisor.close()
    live_workers(out)  # drop the records of workers that have exited


def _run_dask(tasks, out: str, config: Config, workers: int, scheduler: str | None, commit) -> None:
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        with dask.config.set({"distributed.worker.daemon": False}):  # its workers start supervised children
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    try:
        queue = as_completed()
        in_flight = 0
        for index, refs in tasks:
            queue.add(client.submit(supervised_chunk, index, refs, out, config, pure=False))
            in_flight += 1
            if in_flight >= 2 * max(1, workers):
                commit(next(queue).result())
                in_flight -= 1
        for future in queue:
            commit(future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _concat(parts_dir: Path, target: Path) -> int:
    lines = 0
    with replacing(target) as tmp, open(tmp, "w", encoding="utf-8") as dst:
        for part in sorted(parts_dir.glob("part-*.jsonl")):
            with open(part, encoding="utf-8") as src:
                for line in src:
                    dst.write(line)
                    lines += 1
    return lines


def stitch_articles(out: Path) -> pa.Table:
    """Join `(下转第N版)` parts with the `(上接第P版)` article on page N of the same paper and date."""
    cols = ["page_id", "paper", "date", "page", "article_index", "title", "start", "end", "continued_from_page",
            "continued_to_page"]
    parts = sorted((out / "articles").glob("part-*.parquet"))
    rows = pa.concat_tables([pq.read_table(p, columns=cols) for p in parts]).to_pylist() if parts else []
    heads = {}
    for r in rows:
        if r["continued_from_page"] is not None and r["paper"] and r["date"] and r["page"] is not None:
            heads.setdefault((r["paper"], r["date"], r["page"], r["continued_from_page"]), r)
    stitched = []
    for r in rows:
        if r["continued_to_page"] is None or not (r["paper"] and r["date"]) or r["page"] is None:
            continue
        tail = heads.get((r["paper"], r["date"], r["continued_to_page"], r["page"]))
        if tail is None:
            continue
        stitched.append({
            "paper": r["paper"], "date": r["date"], "title": r["title"],
            "parts": [{k: x[k] for k in ("page_id", "page", "article_index", "start", "end")} for x in (r, tail)],
        })
    schema = pa.schema([("paper", pa.string()), ("date", pa.date32()), ("title", pa.string()),
                        ("parts", pa.list_(pa.struct([("page_id", pa.string()), ("page", pa.int32()),
                                                      ("article_index", pa.int32()), ("start", pa.int64()),
                                                      ("end", pa.int64())])))])
    return pa.Table.from_pylist(stitched, schema=schema)


def finalize(out: Path, plan: dict, files: dict[str, str], pattern: str | None, started: float, engine: str,
             workers: int) -> int:
    markers = sorted((out / WORK / "done").glob("part-*.json"))
    results = [json.loads(m.read_text(encoding="utf-8")) for m in markers]
    pages = _concat(out / WORK / "documents", out / "documents.jsonl")
    failed = _concat(out / WORK / "errors", out / "errors.jsonl")
    _write_parquet(out / "articles_stitched.parquet", stitch_articles(out))
    counts = {name: sum(r["rows"].get(name, 0) for r in results) for name in SCHEMAS}
    manifest = {
        "status": "complete", "plan": plan, "pages": plan["pages"], "succeeded": pages, "failed": failed,
        "rows": counts,
        "inputs": [{"path": p, "sha256": s} for p, s in files.items()],
        "extractor": plan["extractor"], "engine": engine, "workers": workers,
        "page_metadata": "path pattern " + pattern if pattern else "masthead (no --path-pattern given)",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "tables": {name: f"{name}/part-*.parquet" for name in SCHEMAS} | {"articles_stitched": "articles_stitched.parquet"},
    }
    write_atomic(out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    _drop_document_parts(out)
    return failed


def _drop_document_parts(out: Path) -> None:
    """documents.jsonl holds them now: a finished run keeps no second copy of its documents."""
    for part in (out / WORK / "documents").glob("part-*.jsonl"):
        part.unlink()


def _restore_documents(out: Path) -> None:
    """Cut a finished run's documents.jsonl back into the chunk parts `finalize` removed, so a resume
    can verify each chunk against its marker's sha256; bytes that differ mark the chunk for redoing."""
    parts = out / WORK / "documents"
    target = out / "documents.jsonl"
    if any(parts.glob("part-*.jsonl")) or not target.exists():
        return
    with open(target, encoding="utf-8", newline="") as src:  # the bytes as written, no newline translation
        for marker in sorted((out / WORK / "done").glob("part-*.json")):
            done = json.loads(marker.read_text(encoding="utf-8"))
            lines = [src.readline() for _ in done["pages"]]
            write_atomic(parts / f"{part_name(done['index'])}.jsonl", "".join(lines))
