"""Throughput and peak memory of `baozhi extract` (rules) against jieba.posseg on the same pages.

Prints chars/s for both in one process and the peak RSS. Pages: corpora/pages/*.txt plus the
seed page when ../shared is present, repeated until at least --min-chars characters.
Usage: python bench/throughput.py [--min-chars 500000]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pages() -> list[Path]:
    found = sorted((ROOT / "corpora" / "pages").glob("*.txt"))
    seed = ROOT.parent / "shared" / "seed" / "000_f03d3bce41067f28.txt"
    return found + ([seed] if seed.exists() else [])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min-chars", type=int, default=500_000)
    args = parser.parse_args()

    import jieba
    import jieba.posseg

    from pipeline.extractor import Extractor
    from pipeline.ingest import looks_traditional, read_page

    jieba.setLogLevel(60)
    texts = [read_page(p)[0] for p in pages()]
    if not texts:
        raise SystemExit("no pages found")
    batch: list[str] = []
    while sum(map(len, batch)) < args.min_chars:
        batch += texts

    extractor = Extractor()
    extractor.extract_bytes(texts[0].encode(), "warm-up")
    list(jieba.posseg.cut(texts[0]))

    def measure(batch: list[str]) -> tuple[float, float]:
        t0 = time.perf_counter()
        for text in batch:
            list(jieba.posseg.cut(text))
        t_jieba = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i, text in enumerate(batch):
            extractor.extract_bytes(text.encode("utf-8"), f"page-{i}")
        return t_jieba, time.perf_counter() - t0

    # jieba's HMM is pathologically slow on traditional characters (baozhi reads a simplified
    # copy), so the simplified-only pages are reported apart as well.
    simplified = [t for t in batch if not looks_traditional(t)]
    for label, subset in (("all pages", batch), ("simplified pages only", simplified)):
        chars = sum(map(len, subset))
        t_jieba, t_rules = measure(subset)
        print(f"{label}: {len(subset)} pages, {chars} characters")
        print(f"  jieba.posseg       : {chars / t_jieba:>10,.0f} chars/s")
        print(f"  baozhi extract     : {chars / t_rules:>10,.0f} chars/s  ({t_rules / len(subset) * 1000:.1f} ms/page)")
        print(f"  ratio baozhi/jieba : {t_jieba / t_rules:.2f}x")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS           : {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
