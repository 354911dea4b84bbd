"""Layout work must grow linearly with the page: segmentation on runs of blank lines against a peer.

Times `segment` (lines, paragraphs, articles) of a page holding N blank lines and of a peer page holding N
one-character lines, for N = 10k and 100k, in one process. Linear work grows about 10× from 10k to
100k; quadratic work (a scan back over the blank lines at each line) grows about 100×. `--check` exits 1 when the
blank-line case grows more than 3× faster than its peer.
Usage: python bench/layout.py [--check]
"""

from __future__ import annotations

import argparse
import sys
import time

from baozhi.segment import segment


def seconds(text: str, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        segment(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    rows = {}
    for n in (10_000, 100_000):
        blank = "标题\n" + "\n" * n + "正文。\n"
        peer = "标题\n" + "字\n" * n + "正文。\n"
        rows[n] = (seconds(blank), seconds(peer))
        print(f"{n:>7} lines: blank runs {rows[n][0]:.3f} s, one-character lines {rows[n][1]:.3f} s")
    growth_blank = rows[100_000][0] / max(rows[10_000][0], 1e-6)
    growth_peer = rows[100_000][1] / max(rows[10_000][1], 1e-6)
    print(f"growth 10k → 100k: blank runs {growth_blank:.1f}×, peer {growth_peer:.1f}×")
    return 1 if args.check and growth_blank > 3 * growth_peer else 0


if __name__ == "__main__":
    sys.exit(main())
