"""Start-up: wall time and peak RSS of whole `baozhi extract` processes on one page, beside a
script that imports jieba.posseg and tags the same page (the peer, in the same run).

Each command runs --runs times, interleaved (so the machine's load falls on all alike); the
median counts. Prints one row per command.
Usage: python bench/startup.py [--page corpora/pages/software_2023q3.txt] [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER = "import sys, jieba, jieba.posseg; jieba.setLogLevel(60); list(jieba.posseg.cut(open(sys.argv[1], encoding='utf-8').read()))"


def commands(page: str) -> dict[str, list[str]]:
    baozhi = [sys.executable, "-m", "baozhi.cli"]
    return {
        "jieba.posseg script": [sys.executable, "-c", PEER, page],
        "baozhi extract (model)": [*baozhi, "extract", page],
        "baozhi extract (model, torch)": [*baozhi, "extract", "--backend", "torch", page],
        "baozhi extract --extractor rules": [*baozhi, "extract", "--extractor", "rules", page],
    }


def run_once(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one whole process."""
    t0 = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-400:]}")
    process.stderr.close()
    return wall, usage.ru_maxrss / 1024


def measure(page: str, runs: int) -> dict[str, dict[str, float]]:
    cmds = commands(page)
    for command in cmds.values():  # warm the file cache and jieba's dictionary caches
        run_once(command)
    walls: dict[str, list[float]] = {name: [] for name in cmds}
    peaks: dict[str, float] = dict.fromkeys(cmds, 0.0)
    for _ in range(runs):
        for name, command in cmds.items():
            wall, peak = run_once(command)
            walls[name].append(wall)
            peaks[name] = max(peaks[name], peak)
    peer = statistics.median(walls["jieba.posseg script"])
    return {name: {"median_s": statistics.median(w), "min_s": min(w), "max_s": max(w), "peak_mb": peaks[name],
                   "vs_peer": statistics.median(w) / peer} for name, w in walls.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", default=str(ROOT / "corpora" / "pages" / "software_2023q3.txt"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = measure(args.page, args.runs)
    if args.json:
        print(json.dumps(rows))
        return
    print(f"one page ({Path(args.page).name}), whole process, median of {args.runs}:")
    for name, row in rows.items():
        print(f"  {name:<34}: {row['median_s']:5.2f} s (min {row['min_s']:.2f}, max {row['max_s']:.2f})  "
              f"peak RSS {row['peak_mb']:5.0f} MB  {row['vs_peer']:.2f}x the jieba.posseg script")


if __name__ == "__main__":
    main()
