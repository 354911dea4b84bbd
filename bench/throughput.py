"""Throughput and peak memory of `baozhi extract` against jieba.posseg on the same pages.

Prints chars/s of jieba.posseg and of each extractor (the default model, in ONNX Runtime, which
skips sentences with no number or cue; the same model in torch; the model skipping only whole
paragraphs; the model reading everything; the model with its encoder in int8 (torch); the rules)
in one process, and the peak RSS. Pages: corpora/pages/*.txt
plus the seed page when ../shared is present, repeated until at least --min-chars characters.
Each figure is the fastest of --repeat runs (jieba.posseg's too).
Usage: python bench/throughput.py [--min-chars 300000] [--model models/default] [--systems model rules] [--repeat 3]
       [--threads 1] [--stages]  (where the default model's time goes)  [--json]  (the figures as JSON)
"""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--min-chars", type=int, default=300_000)
    parser.add_argument("--model", default=str(ROOT / "models" / "default"))
    variants = {"model": {}, "model-torch": {"backend": "torch"}, "model-paragraph-triage": {"triage": "paragraph"},
                "model-no-triage": {"triage": "none"}, "model-int8": {"quantize": True}}
    systems_known = [*variants, "rules"]
    parser.add_argument("--systems", nargs="+", default=systems_known, choices=systems_known)
    parser.add_argument("--threads", type=int, help="the encoder's threads (default: the extractor's, the cores up to 4)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per system; the fastest counts (as timeit)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--stages", action="store_true",
                        help="also time the default model's stages on the simplified pages (one run, timers on)")
    args = parser.parse_args()

    import jieba
    import jieba.posseg

    from baozhi.extractor import Extractor
    from baozhi.ingest import looks_traditional, read_page

    jieba.setLogLevel(60)
    texts = [read_page(p)[0] for p in pages()]
    if not texts:
        raise SystemExit("no pages found")
    batch: list[str] = []
    while sum(map(len, batch)) < args.min_chars:
        batch += texts

    systems = {}
    for name in args.systems:
        if name == "rules":
            systems[name] = Extractor(extractor="rules")
        else:
            systems[name] = Extractor(extractor="model", model=args.model, threads=args.threads, **variants[name])
        systems[name].extract_bytes(texts[0].encode(), "warm-up")
    list(jieba.posseg.cut(texts[0]))

    def fastest(run) -> float:
        """The fastest of --repeat runs: the machine's other load only ever slows a run down."""
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return min(times)

    def measure(batch: list[str], extractor) -> float:
        def run() -> None:
            for i, text in enumerate(batch):
                extractor.extract_bytes(text.encode("utf-8"), f"page-{i}")
        return fastest(run)

    def measure_jieba(batch: list[str]) -> float:
        def run() -> None:
            for text in batch:
                list(jieba.posseg.cut(text))
        return fastest(run)

    # jieba's HMM is pathologically slow on traditional characters (baozhi reads a simplified
    # copy), so the simplified-only pages are reported apart as well.
    simplified = [t for t in batch if not looks_traditional(t)]
    figures: dict = {}
    say = (lambda *a: None) if args.json else print
    for label, subset in (("all pages", batch), ("simplified pages only", simplified)):
        chars = sum(map(len, subset))
        t_jieba = measure_jieba(subset)
        row = figures[label] = {"pages": len(subset), "chars": chars, "jieba.posseg": chars / t_jieba}
        say(f"{label}: {len(subset)} pages, {chars} characters")
        say(f"  {'jieba.posseg':<29} : {chars / t_jieba:>10,.0f} chars/s")
        for name, extractor in systems.items():
            t = measure(subset, extractor)
            row[name] = chars / t
            say(f"  baozhi {name:<22} : {chars / t:>10,.0f} chars/s  ({t / len(subset) * 1000:.1f} ms/page)"
                f"  {t_jieba / t:.2f}x jieba.posseg")
        if args.stages and label.startswith("simplified") and "model" in systems:
            print_stages(subset, systems["model"])
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"peak RSS           : {figures['peak_rss_mb']:,.0f} MB")


def print_stages(pages: list[str], extractor) -> None:
    """Where the default model's time goes: each stage of its pipeline (the rule stages make its
    hints), the model stage split into the encoder (with the tag heads), relation scoring and the
    rest of it, and reading, repair and decoding outside the stages."""
    from unittest import mock

    from baozhi.extract.neural import NeuralExtractor
    from baozhi.nn.runtime import OnnxNetwork, TorchNetwork

    spent: dict[str, float] = {}

    def timed(stage: str, inner):
        spent.setdefault(stage, 0.0)

        def run(*a, **k):
            t0 = time.perf_counter()
            try:
                return inner(*a, **k)
            finally:
                spent[stage] += time.perf_counter() - t0
        return run

    stages = extractor.pipeline.stages
    patches = [mock.patch.object(extractor.pipeline, "stages", [(n, timed(n, f)) for n, f in stages])]
    patches += [mock.patch.object(owner, attribute, timed(stage, getattr(owner, attribute)))
                for owner, attribute, stage in ((OnnxNetwork, "forward", "  encoder"), (TorchNetwork, "forward", "  encoder"),
                                                (NeuralExtractor, "_relations", "  relations"))]
    for patch in patches:
        patch.start()
    try:
        t0 = time.perf_counter()
        for i, text in enumerate(pages):
            extractor.extract_bytes(text.encode("utf-8"), f"page-{i}")
        total = time.perf_counter() - t0
    finally:
        for patch in patches:
            patch.stop()
    if "model" in spent:
        spent["  rest of model"] = spent["model"] - spent["  encoder"] - spent["  relations"]
    spent["outside the stages"] = total - sum(v for k, v in spent.items() if not k.startswith(" "))
    print(f"  stages of baozhi model ({total:.2f} s):")
    for stage, seconds in spent.items():
        print(f"    {stage:<18}: {seconds:6.2f} s  {seconds / total:5.1%}")


if __name__ == "__main__":
    main()
