"""Batch throughput and memory: pages/s and peak RSS (driver + workers) of `baozhi batch`.

Runs on a synthetic archive built by bench/make_archive.py from corpora/pages:
  1 worker, 2 workers and the Dask engine (LocalCluster, 2 workers) on --pages pages, each worker
  with --threads encoder threads (default 1, so that 1 → 2 workers measures process scaling: the
  scaling efficiency printed is pages/s of 2 workers over twice that of 1), then peak RSS of one
  worker on --small vs --large pages (streaming: it must not grow).
Usage: python bench/batch.py [--pages 2000] [--small 1000] [--large 10000] [--skip-memory] [--threads 1]
       [--extractor rules]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_archive import build  # noqa: E402


def run(archive: Path, out: Path, *extra: str) -> tuple[float, float, int]:
    """(seconds, peak RSS MB of the process tree, exit code)."""
    cmd = [sys.executable, "-m", "baozhi.cli", "batch", str(archive), "--out", str(out), "--quiet",
           "--chunk-size", "32", "--path-pattern", "{paper}/{yyyy}-{mm}-{dd}/{page}.txt", *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak = 0
    root = psutil.Process(proc.pid)

    def sample():
        nonlocal peak
        while proc.poll() is None:
            try:
                procs = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)

    t = threading.Thread(target=sample)
    t.start()
    code = proc.wait()
    t.join()
    return time.perf_counter() - start, peak / 2**20, code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--extractor", choices=["model", "rules"], help="default: the default model")
    args = parser.parse_args()
    common = ["--threads", str(args.threads), *(["--extractor", args.extractor] if args.extractor else [])]
    work = Path(tempfile.mkdtemp(prefix="baozhi-bench-"))
    try:
        archive = work / "archive"
        build(archive, args.pages)
        print(f"archive: {args.pages} pages (about 1% broken on purpose)")
        rates = {}
        for label, extra in [("local, 1 worker", ["--workers", "1"]), ("local, 2 workers", ["--workers", "2"]),
                             ("dask, 2 workers", ["--engine", "dask", "--workers", "2"])]:
            out = work / label.replace(" ", "").replace(",", "_")
            secs, rss, code = run(archive, out, *extra, *common)
            rates[label] = args.pages / secs
            print(f"{label:<18}: {args.pages / secs:6.1f} pages/s  {secs:7.1f} s  peak RSS {rss:7.0f} MB  "
                  f"(exit {code} = failed pages)")
        print(f"scaling efficiency, 1 → 2 workers: {rates['local, 2 workers'] / (2 * rates['local, 1 worker']):.2f} "
              f"(local), {rates['dask, 2 workers'] / (2 * rates['local, 1 worker']):.2f} (dask)")
        if not args.skip_memory:
            for n in (args.small, args.large):
                arch = work / f"mem{n}"
                build(arch, n, broken_every=0)
                secs, rss, _ = run(arch, work / f"out{n}", "--workers", "1", *common)
                print(f"memory, {n:>6} pages: peak RSS {rss:7.0f} MB  ({n / secs:.1f} pages/s)")
                shutil.rmtree(arch)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
