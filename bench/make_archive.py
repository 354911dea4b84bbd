"""Build a synthetic archive of N pages from the team's own sample pages (corpora/pages).

Layout `{paper}/{yyyy}-{mm}-{dd}/{page}.txt` with varied papers, dates and page numbers, the
pages re-encoded as UTF-8, UTF-8 with BOM, GB18030 or Big5 (when the text allows), and about one
page in a hundred deliberately broken (binary bytes). Deterministic for a given seed.
Usage: python bench/make_archive.py OUT_DIR --pages 2000 [--seed 0]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAPERS = ["dianzibao", "jingjibao", "keji", "chanye"]


def sample_texts(source: Path) -> list[str]:
    import sys

    sys.path.insert(0, str(ROOT))
    from baozhi.ingest import read_page

    texts = [read_page(p)[0] for p in sorted(source.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no sample pages in {source}")
    return texts


def encode(text: str, rng: random.Random) -> bytes:
    choice = rng.random()
    if choice < 0.1:
        try:
            return text.encode("big5")
        except UnicodeEncodeError:
            pass
    if choice < 0.3:
        return text.encode("gb18030")
    if choice < 0.4:
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


def build(out: Path, pages: int, seed: int = 0, source: Path | None = None, broken_every: int = 100) -> list[Path]:
    rng = random.Random(seed)
    texts = sample_texts(source or ROOT / "corpora" / "pages")
    written = []
    day = date(2023, 1, 1)
    n = 0
    while n < pages:
        paper = PAPERS[n % len(PAPERS)]
        per_issue = rng.randint(4, 12)
        for page_no in range(1, per_issue + 1):
            if n >= pages:
                break
            path = out / paper / day.isoformat() / f"{page_no}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            if broken_every and n % broken_every == broken_every - 1:
                path.write_bytes(bytes(rng.randrange(256) for _ in range(2048)))
            else:
                path.write_bytes(encode(texts[rng.randrange(len(texts))], rng))
            written.append(path)
            n += 1
        day += timedelta(days=1)
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", type=Path, help="folder of sample pages (default corpora/pages)")
    args = parser.parse_args()
    written = build(args.out, args.pages, args.seed, args.source)
    print(f"{len(written)} pages under {args.out}")


if __name__ == "__main__":
    main()
