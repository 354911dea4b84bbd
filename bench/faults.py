"""Fault injection for `baozhi batch`: random faults, then `--resume`, against an uninterrupted run.

Builds an archive with bench/make_archive.py, runs it once without faults (the reference), then for
each trial injects one fault into a fresh run and resumes until the run completes:
- `kill_driver`: `kill -9` of the driver at a random moment (its workers must die with it);
- `kill_worker`: `kill -9` of one worker process at a random moment;
- `delete_part` / `corrupt_part`: a committed Parquet part deleted or truncated after the run;
- `second_run`: a second `--resume` started on the same `--out` while the first runs (it must be
  refused, and the first must finish);
- `edit_input`: an input page edited between a `kill -9` and `--resume` (the resume must be refused;
  the page is then restored and the run resumed);
- `memory_bound`: a 6 MB page added to the archive, which takes its worker over `--max-memory`: the
  supervisor kills the worker, the page goes to errors.jsonl, and the run goes on;
- `full_disk`: the run under RLIMIT_FSIZE (with SIGXFSZ ignored, so writes fail as on a full disk)
  at a random size, so that a part or a final file cannot be written: it must exit 3 with one line,
  commit no half-written part, and `--resume` without the limit must complete.
Prints one row per trial: the fault, pages, pages lost, rows duplicated, and whether every table
is byte-identical to the reference. Exits 1 when any trial loses a page, duplicates a row or
differs.
Usage: python bench/faults.py [--pages 300] [--trials 24] [--seed 0] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_archive import build  # noqa: E402

FAULTS = ("kill_driver", "kill_worker", "delete_part", "corrupt_part", "second_run", "edit_input", "memory_bound",
          "full_disk")
MAX_MEMORY = 300  # MB: a rules worker holds about 150 MB on ordinary pages, and about 450 on a 6 MB one
TABLES = ("articles", "facts", "directives", "entities")


def command(archive: Path, out: Path, workers: int, resume: bool = False, extra: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "baozhi.cli", "batch", str(archive), *([str(extra)] if extra else []),
           "--out", str(out), "--workers", str(workers), "--chunk-size", "4", "--extractor", "rules",
           "--max-memory", str(MAX_MEMORY), "--quiet"]
    return cmd + (["--resume"] if resume else [])


def big_page(folder: Path) -> Path:
    """A page of 6 MB of ordinary sentences, in a folder of its own (listed after the archive)."""
    folder.mkdir(parents=True, exist_ok=True)
    line = "上半年，全省实现营业收入100亿元，同比增长5.5%，增速较一季度提高0.3个百分点。会议强调，要加快推进重点项目建设。\n"
    path = folder / "huge.txt"
    path.write_text(line * (6_000_000 // len(line.encode())), encoding="utf-8")
    return folder


def _file_limit(size: int):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    return limit


def committed(out: Path) -> int:
    return len(list((out / "_work" / "done").glob("*.json")))


def start_and_wait(archive: Path, out: Path, workers: int, rng: random.Random, total_chunks: int):
    """A running batch, once a random number of its chunks are committed (None if it finished first)."""
    proc = subprocess.Popen(command(archive, out, workers), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = rng.randint(1, max(1, total_chunks - 2))
    while proc.poll() is None and committed(out) < target:
        time.sleep(0.02)
    return proc if proc.poll() is None else None


def resume(archive: Path, out: Path, workers: int) -> int:
    for _ in range(3):
        rc = subprocess.run(command(archive, out, workers, resume=True), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL).returncode
        if (out / "manifest.json").exists() and rc == 0:
            return rc
        time.sleep(0.5)  # a killed worker's record, or a dying worker, is still there
    return rc


def inject(fault: str, archive: Path, out: Path, workers: int, rng: random.Random, total_chunks: int,
           reference: Path) -> str:
    if fault == "memory_bound":
        extra = big_page(out.parent / f"{out.name}-big")
        done = subprocess.run(command(archive, out, workers, extra=extra), capture_output=True, text=True)
        errors = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()] \
            if (out / "errors.jsonl").exists() else []
        hit = [e["reason"] for e in errors if e["path"].endswith("huge.txt")]
        return f"exit {done.returncode}; the 6 MB page: {hit[0] if hit else 'not failed'}"
    if fault == "full_disk":
        sizes = sorted(p.stat().st_size for p in reference.rglob("*") if p.is_file())
        size = rng.randint(sizes[len(sizes) // 2], sizes[-1] - 1)  # some file, a part or a final one, will not fit
        done = subprocess.run(command(archive, out, workers), capture_output=True, text=True,
                              preexec_fn=_file_limit(size))
        lines = done.stderr.strip().splitlines()
        temporary = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        return (f"limit {size} B: exit {done.returncode}, {len(lines)} error line(s), "
                f"{len(temporary)} temporary file(s) left")
    if fault == "edit_input":
        proc = start_and_wait(archive, out, workers, rng, total_chunks)
        if proc is None:
            return "finished before the fault"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        page = rng.choice(sorted(archive.rglob("*.txt")))
        original = page.read_bytes()
        page.write_bytes(original + b"\n")
        time.sleep(0.5)  # the killed driver's workers exit
        rc = subprocess.run(command(archive, out, workers, resume=True), capture_output=True).returncode
        page.write_bytes(original)
        return "edited input refused" if rc == 2 else f"edited input accepted (exit {rc})"
    if fault in ("kill_driver", "kill_worker", "second_run"):
        proc = start_and_wait(archive, out, workers, rng, total_chunks)
        if proc is None:
            return "finished before the fault"
        if fault == "kill_driver":
            os.kill(proc.pid, signal.SIGKILL)
        elif fault == "kill_worker":
            pids = [int(p.name) for p in (out / "_work" / "workers").glob("*") if p.name.isdigit()]
            if pids:
                os.kill(rng.choice(pids), signal.SIGKILL)
        else:
            second = subprocess.run(command(archive, out, workers, resume=True), capture_output=True, text=True)
            refused = second.returncode == 2
            proc.wait()
            if refused:
                return "second run refused"
            if "already complete" in second.stdout + second.stderr:
                return "the first finished before the second started"
            return f"second run exited {second.returncode}"
        proc.wait()
        return "injected"
    subprocess.run(command(archive, out, workers), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = sorted((out / rng.choice(TABLES)).glob("part-*.parquet"))
    victim = rng.choice(parts)
    if fault == "delete_part":
        victim.unlink()
    else:
        data = victim.read_bytes()
        victim.write_bytes(data[: len(data) // 2])
    return f"{victim.parent.name}/{victim.name}"


def outputs(out: Path) -> dict[str, bytes]:
    files = {"documents.jsonl": (out / "documents.jsonl").read_bytes()}
    for name in TABLES:
        for part in sorted((out / name).glob("part-*.parquet")):
            files[f"{name}/{part.name}"] = part.read_bytes()
    return files


def duplicates(out: Path) -> int:
    dup = 0
    for name in TABLES:
        rows = [tuple(sorted(r.items())) for p in sorted((out / name).glob("part-*.parquet"))
                for r in pq.read_table(p).to_pylist()]
        dup += len(rows) - len(set(map(repr, rows)))
    return dup


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="baozhi-faults-") as tmp:
        root = Path(tmp)
        archive = root / "archive"
        build(archive, args.pages, seed=args.seed)
        reference = root / "reference"
        subprocess.run(command(archive, reference, args.workers), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        expected = outputs(reference)
        pages = len(expected["documents.jsonl"].splitlines())
        total_chunks = committed(reference)
        print("| trial | fault | what happened | pages | pages lost | rows duplicated | tables identical |")
        print("|---|---|---|---|---|---|---|")
        bad = 0
        for trial in range(args.trials):
            fault = FAULTS[trial % len(FAULTS)]
            out = root / f"run{trial}"
            what = inject(fault, archive, out, args.workers, rng, total_chunks, reference)
            if fault != "memory_bound":
                resume(archive, out, args.workers)
            got = outputs(out) if (out / "manifest.json").exists() else {"documents.jsonl": b""}
            if fault == "memory_bound":  # the big page fails alone: its last, extra chunk holds no rows
                extra = [k for k in got if k not in expected]
                if all(pq.read_metadata(out / k).num_rows == 0 for k in extra if k.endswith(".parquet")):
                    got = {k: v for k, v in got.items() if k in expected}
                if "over the memory bound" not in what:
                    got = {"documents.jsonl": b""}  # the bound did not hold: the trial fails
            ids = [line for line in got["documents.jsonl"].splitlines()]
            lost = pages - len(set(ids))
            dup = duplicates(out) if (out / "manifest.json").exists() else 0
            same = got == expected
            if fault == "full_disk" and "exit 3, 1 error line(s), 0 temporary file(s)" not in what:
                same = False  # a full disk must be one clear error that leaves nothing half-written
            bad += bool(lost or dup or not same)
            print(f"| {trial} | {fault} | {what} | {pages} | {lost} | {dup} | {'yes' if same else 'NO'} |")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
