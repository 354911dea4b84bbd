"""Time and memory on hostile and odd input: extraction must be linear in the input's length.

Each input repeats one pattern (numerals, decimals, units, list separators, enumeration markers,
unclosed brackets …) to 10k and to 100k characters; the 100k time must be at most 12× the 10k
time. A 2 MB page on a single line must finish in 60 s, and a 5 MB ordinary page must stay under
1 GB peak RSS. Every measurement runs in a fresh process that loads the extractor and warms it up
on a small page first, so the figures are extraction only (no imports, no model load); inputs up
to 200k characters are timed three times and the best run counts.
Usage: python bench/hostile.py [--extractor rules|default] [--check] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = {
    "chinese numerals": "一二三四五六七八九十百千万",
    "decimals": "1.1",
    "decimals, spaced": "1.1 ",
    "亿": "亿",
    "万元": "万元",
    "percent": "5%",
    "digits": "1234567890",
    "list separators": "、",
    "semicolons": "；",
    "一是 markers": "一是",
    "（一） markers": "（一）",
    "unclosed （": "（",
    "unclosed 【": "【",
    "unclosed 《": "《",
    "changes": "同比增长1.1%，",
    "ranges": "1~2",
}
SENTENCE = "上半年，全省实现营业收入100亿元，同比增长5.5%，增速较一季度提高0.3个百分点。会议强调，要加快推进重点项目建设。"
RATIO_LIMIT = 12.0
SINGLE_LINE_LIMIT = 60.0
RSS_LIMIT_MB = 1024

CHILD = r"""
import json, resource, sys, time
from baozhi.extractor import Extractor
from baozhi.model import Source
from baozhi.batch import Config
extractor = Extractor.from_options(Config(extractor=sys.argv[1] if sys.argv[1] != "default" else None))
source = Source("bench", "0" * 64, "utf-8", "bench")
extractor.extract_text("上半年，全省营业收入100亿元，同比增长5.5%。\n", source)
text = sys.stdin.read()
seconds = float("inf")
for _ in range(3 if len(text) <= 200_000 else 1):  # the best of three: short runs are noisy
    start = time.perf_counter()
    page = extractor.extract_text(text, source)
    seconds = min(seconds, time.perf_counter() - start)
print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "facts": sum(len(a.facts) for a in page.articles)}))
"""


def measure(text: str, extractor: str, timeout: float = 900) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, extractor], input=text, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def repeat(pattern: str, length: int) -> str:
    return (pattern * (length // len(pattern) + 1))[:length]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--extractor", default="rules", choices=["rules", "default"])
    parser.add_argument("--check", action="store_true", help="exit 1 when a limit is exceeded")
    parser.add_argument("--only", nargs="*", help="names of inputs to run (default: all)")
    args = parser.parse_args()
    failures = []
    print(f"extractor: {args.extractor}")
    print("| input | 10k chars s | 100k chars s | ratio | peak RSS MB (100k) |")
    print("|---|---|---|---|---|")
    for name, pattern in PATTERNS.items():
        if args.only and name not in args.only:
            continue
        small = measure(repeat(pattern, 10_000), args.extractor)
        large = measure(repeat(pattern, 100_000), args.extractor)
        ratio = large["seconds"] / max(small["seconds"], 1e-3)
        if ratio > RATIO_LIMIT:
            failures.append(f"{name}: ratio {ratio:.1f} > {RATIO_LIMIT}")
        print(f"| {name} | {small['seconds']:.2f} | {large['seconds']:.2f} | {ratio:.1f} | {large['rss_mb']:.0f} |",
              flush=True)
    if not args.only or "single line" in args.only:
        line = measure(repeat(SENTENCE, 2_000_000 // 3), args.extractor)  # 2 MB of UTF-8, no newline
        if line["seconds"] > SINGLE_LINE_LIMIT:
            failures.append(f"2 MB single line: {line['seconds']:.0f} s > {SINGLE_LINE_LIMIT:.0f} s")
        print(f"\n2 MB on one line: {line['seconds']:.1f} s, peak RSS {line['rss_mb']:.0f} MB, {line['facts']} facts")
    if not args.only or "big page" in args.only:
        big = measure((SENTENCE + "\n") * (5_000_000 // (3 * len(SENTENCE) + 1)), args.extractor)
        if big["rss_mb"] > RSS_LIMIT_MB:
            failures.append(f"5 MB page: peak RSS {big['rss_mb']:.0f} MB > {RSS_LIMIT_MB} MB")
        print(f"5 MB page: {big['seconds']:.1f} s, peak RSS {big['rss_mb']:.0f} MB, {big['facts']} facts")
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if args.check and failures else 0


if __name__ == "__main__":
    sys.exit(main())
