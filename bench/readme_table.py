"""Regenerate the README's speed table: run bench/throughput.py and bench/startup.py (each beside
its jieba.posseg peer, in the same run) and replace the text between the README's
`<!-- speed-table -->` and `<!-- /speed-table -->` markers.
Usage: python bench/readme_table.py [--runs 5] [--repeat 3] [--min-chars 300000] [--print]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- speed-table -->", "<!-- /speed-table -->"


def bench(script: str, *options: str) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), "--json", *options], capture_output=True,
                         text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{script} failed: {out.stderr[-500:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(speed: dict, startup: dict, runs: int, repeat: int) -> str:
    lines = [f"Measured {date.today().isoformat()} on {os.cpu_count()} cores ({platform.machine()}), one thread, "
             f"by `python bench/readme_table.py` (throughput: fastest of {repeat}; start-up: median of {runs}).", "",
             "| | jieba.posseg (peer) | baozhi model (ONNX) | baozhi model (torch) | baozhi rules |", "|---|---|---|---|---|"]
    for label in ("simplified pages only", "all pages"):
        row = speed[label]
        peer = row["jieba.posseg"]
        cells = [f"{peer:,.0f} chars/s"] + [f"{row[k]:,.0f} chars/s ({row[k] / peer:.2f}×)" if k in row else "—"
                                             for k in ("model", "model-torch", "rules")]
        lines.append(f"| throughput, {label} ({row['pages']} pages) | " + " | ".join(cells) + " |")
    names = {"peer": "jieba.posseg script", "model": "baozhi extract (model)", "torch": "baozhi extract (model, torch)",
             "rules": "baozhi extract --extractor rules"}
    for what, key, unit in (("one page, whole process", "median_s", "s"), ("peak RSS of that process", "peak_mb", "MB")):
        cells = [f"{startup[names[k]][key]:.2f} {unit}" if unit == "s" else f"{startup[names[k]][key]:.0f} {unit}"
                 for k in ("peer", "model", "torch", "rules")]
        lines.append(f"| {what} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--min-chars", type=int, default=300_000)
    parser.add_argument("--print", action="store_true", help="print the table instead of writing README.md")
    args = parser.parse_args()
    speed = bench("throughput.py", "--systems", "model", "model-torch", "rules", "--repeat", str(args.repeat),
                  "--min-chars", str(args.min_chars))
    startup = bench("startup.py", "--runs", str(args.runs))
    text = table(speed, startup, args.runs, args.repeat)
    if args.print:
        print(text)
        return
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    if START not in content or END not in content:
        raise SystemExit(f"{readme}: no {START} … {END} markers")
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
