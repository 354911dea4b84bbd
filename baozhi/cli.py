"""`baozhi` command line: extract, evaluate, render, convert, gold check."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import Counter
from pathlib import Path

from . import __version__
from .export import render
from .files import PredictionError, write_atomic
from .gold import GoldError, check_gold, discover, load_gold
from .ingest import DecodeWarning, IngestError


class CliError(Exception):
    pass


def _extractor(args):
    from .extractor import Extractor

    try:
        return Extractor.from_options(args)
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from exc


def _emit(args, text: str) -> int:
    """A command's output goes to `-o` (atomically) or to stdout."""
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _read_inputs(extractor, names: list[str]):
    """Pages from files, `-` meaning standard input (raw bytes, decoded like a file)."""
    for name in names:
        yield extractor.extract_bytes(sys.stdin.buffer.read(), "<stdin>") if name == "-" \
            else extractor.extract_file(name)


def cmd_extract(args) -> int:
    extractor = _extractor(args)
    if args.out_dir:
        if args.output:
            raise CliError("give -o or --out-dir, not both")
        out_dir = Path(args.out_dir)
        stems = [Path(n).stem if n != "-" else "stdin" for n in args.pages]
        if len(set(stems)) < len(stems):
            raise CliError("--out-dir: two pages share a file name; their outputs would overwrite each other")
        for stem, page in zip(stems, _read_inputs(extractor, args.pages), strict=True):
            write_atomic(out_dir / f"{stem}.json", render([page], "json"))
        return 0
    pages = list(_read_inputs(extractor, args.pages))
    width = 160 if args.output else 120
    out = render(pages, args.format, explain=args.explain, width=width)
    return _emit(args, out)


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate

    if args.compare:
        from .report import ReportError, compare_command

        try:
            return compare_command(args)
        except ReportError as exc:
            raise CliError(str(exc)) from exc
    from .evaluate import gold_items  # seqeval imports scikit-learn: only `evaluate` pays for it

    items = gold_items(args.gold, args.pred, args)
    if not items:
        raise CliError("no gold pages selected")
    if args.perturb:
        from .evaluate import robustness, robustness_markdown
        from .perturb import PERTURBATIONS

        names = list(PERTURBATIONS) if args.perturb == ["all"] else args.perturb
        unknown = sorted(set(names) - set(PERTURBATIONS))
        if unknown:
            raise CliError(f"unknown perturbation {', '.join(unknown)} (all, or {', '.join(PERTURBATIONS)})")
        rows = robustness(items, _extractor(args), names, seed=args.seed)
        return _emit(args, json.dumps(rows, indent=1) + "\n" if args.json else robustness_markdown(rows))
    report = evaluate(items)
    out = json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n" if args.json else report.markdown()
    if args.errors and not args.json:
        from .evaluate import fact_errors

        out += "\n## Fact errors\n\n" + fact_errors(items)
    if args.report:
        from .report import write_report

        write_report(args.report, items, report, rounds=args.rounds, seed=args.seed)
    return _emit(args, out)


def cmd_gold_check(args) -> int:
    bad = 0
    for path in discover(args.files) + discover(args.files, kind="news"):
        problems = check_gold(load_gold(path))
        for p in problems:
            print(f"{path}: {p}")
        bad += bool(problems)
        if not problems:
            print(f"{path}: ok")
    return 1 if bad else 0


def cmd_gold_stats(args) -> int:
    """Pages / news items, facts, directives and entities per split and gold format."""
    rows: dict[tuple, Counter] = {}
    for kind in ("page", "news"):
        for path in discover(args.files, kind=kind):
            gold = load_gold(path)
            docs = gold["items"] if kind == "news" else [gold]
            row = rows.setdefault((kind, gold["split"], gold["format"]), Counter())
            row["files"] += 1
            row["documents"] += len(docs)
            for key in ("facts", "directives", "entities"):
                row[key] += sum(len(d.get(key, [])) for d in docs)
    out = "| kind | split | format | files | pages/items | facts | directives | entities |\n|---|---|---|---|---|---|---|---|\n"
    total = Counter()
    for (kind, split, fmt), row in sorted(rows.items()):
        total.update(row)
        out += (f"| {kind} | {split} | {fmt} | {row['files']} | {row['documents']} | {row['facts']} | "
                f"{row['directives']} | {row['entities']} |\n")
    out += (f"| all | | | {total['files']} | {total['documents']} | {total['facts']} | {total['directives']} | "
            f"{total['entities']} |\n")
    sys.stdout.write(out)
    return 0


def cmd_gold_agree(args) -> int:
    """Agreement of double annotations: each file in FIRST with the file of the same name in --with."""
    from .evaluate import agreement, agreement_markdown

    rows = {}
    for path in discover(args.files):
        other = Path(args.second) / Path(path).name
        if not other.exists():
            continue
        first, second = load_gold(path), load_gold(other)
        if first["sha256"] != second["sha256"]:
            raise CliError(f"{other}: annotates other bytes than {path} (sha256 differs)")
        rows[Path(path).stem] = agreement(first, second)
    if not rows:
        raise CliError(f"no page in {' '.join(args.files)} has a second annotation in {args.second}")
    sys.stdout.write(agreement_markdown(rows))
    n = sum(r["facts"] for r in rows.values())
    mean = sum(r["facts_strict"] * r["facts"] for r in rows.values()) / n if n else 0.0
    sys.stdout.write(f"\n{len(rows)} pages; fact strict F1 weighted by facts: {mean:.3f}\n")
    return 0


def cmd_batch(args) -> int:
    import os

    from .batch import BatchError, Config, run_batch

    if args.threads and args.workers * args.threads > (os.cpu_count() or 1):
        print(f"baozhi: warning: {args.workers} workers × {args.threads} threads oversubscribe {os.cpu_count()} cores "
              "(each worker slows the others; keep workers × threads ≤ cores)", file=sys.stderr)

    config = Config(segmenter=args.segmenter, pkuseg_model=args.pkuseg_model, timeout=args.timeout,
                    max_memory=args.max_memory, extractor=args.extractor, model=args.model, quantize=args.quantize,
                    triage=args.triage, backend=args.backend, threads=args.threads)
    try:
        summary = run_batch(args.inputs, args.out, workers=args.workers, engine=args.engine, scheduler=args.scheduler,
                            resume=args.resume, config=config, pattern=args.path_pattern, chunk_size=args.chunk_size,
                            quiet=args.quiet)
    except BatchError as exc:
        raise CliError(str(exc)) from exc
    if summary.already_complete:
        print(f"baozhi batch: {args.out} is already complete ({summary.pages} pages, {summary.failed} failed)",
              file=sys.stderr)
    else:
        print(f"baozhi batch: {summary.pages} pages, {summary.failed} failed, {summary.chunks_done} chunks written, "
              f"{summary.chunks_skipped} resumed, {summary.seconds:.1f}s → {args.out}", file=sys.stderr)
    # A completed run is a success: failed pages are recorded in errors.jsonl. --strict makes them fail it.
    return 1 if args.strict and summary.failed else 0


def cmd_render(args) -> int:
    from .render import RenderError, render_file

    try:
        html = render_file(args.page, None if args.pred else _extractor(args), pred=args.pred)
    except RenderError as exc:
        raise CliError(str(exc)) from exc
    return _emit(args, html)


def cmd_convert(args) -> int:
    from .interchange import ConvertError, read_docs, write_docs

    try:
        docs = read_docs(args.inputs, getattr(args, "from"), args.pages, args.split, lambda: _extractor(args))
        if not docs:
            raise CliError("no pages to convert")
        written = write_docs(docs, args.to, args.output)
    except ConvertError as exc:
        raise CliError(str(exc)) from exc
    print(f"baozhi convert: {len(docs)} pages → " + ", ".join(map(str, written)), file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baozhi", description="Structured facts from Chinese newspaper pages.")
    parser.add_argument("--version", action="version", version=f"baozhi {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def nlp_options(p):
        p.add_argument("--segmenter", choices=["jieba", "pkuseg"],
                       help="word segmenter of the rules' entities (default: jieba; pkuseg needs --pkuseg-model)")
        p.add_argument("--pkuseg-model", help="path of a spacy-pkuseg model (required with --segmenter pkuseg)")
        p.add_argument("--extractor", choices=["model", "rules"],
                       help="model (a fine-tuned model; the default when models/default exists) or rules (the baseline)")
        p.add_argument("--model", help="model directory to load instead of models/default (implies --extractor model)")
        p.add_argument("--quantize", action="store_true",
                       help="int8 dynamic quantisation of the model's encoder (faster; results depend on batching)")
        p.add_argument("--backend", choices=["auto", "onnx", "torch"], default="auto",
                       help="run the model in ONNX Runtime (auto: when the model has its ONNX files) or in torch")
        p.add_argument("--threads", type=int,
                       help="threads for the model's encoder (default: the cores, at most 4; in batch, per worker: "
                            "the cores divided among the workers)")
        p.add_argument("--triage", choices=["sentence", "paragraph", "none"], default="sentence",
                       help="what the model skips when it holds no number or cue (default: sentences; "
                            "none: the model reads everything)")

    ex = sub.add_parser("extract", help="extract articles, facts, directives and entities from pages")
    ex.add_argument("pages", nargs="+", help="page text files (UTF-8, GB18030/GBK, Big5, UTF-16 with BOM); - reads stdin")
    ex.add_argument("--format", choices=["json", "jsonl", "table"], default="json")
    ex.add_argument("-o", "--output", help="write here (atomically) instead of stdout")
    ex.add_argument("--out-dir", help="write one JSON file per page into this folder (atomically)")
    ex.add_argument("--explain", action="store_true", help="with --format table: list every layout repair")
    nlp_options(ex)
    ex.set_defaults(func=cmd_extract)

    ev = sub.add_parser("evaluate", help="score predictions (or a fresh run) against stand-off gold")
    ev.add_argument("--gold", nargs="+", required=True, help="gold files or folders (annotations/gold)")
    ev.add_argument("--pred", nargs="+", help="prediction JSON/JSONL from `baozhi extract`; omitted: run the extractor")
    ev.add_argument("--split", nargs="+", choices=["train", "dev", "test"], help="only gold pages of these splits")
    ev.add_argument("--json", action="store_true", help="print the scores as JSON instead of a Markdown table")
    ev.add_argument("--errors", action="store_true", help="also list missed, partial and spurious facts")
    ev.add_argument("--report", metavar="DIR",
                    help="also write DIR/report.md, a self-contained DIR/report.html and DIR/per_label.png")
    ev.add_argument("--compare", nargs=2, metavar=("A", "B"),
                    help="compare two systems, each a folder of prediction JSON, `rules` or a model folder")
    ev.add_argument("--perturb", nargs="+", metavar="NAME",
                    help="score the pages perturbed (all, or masthead footer daodu caption break_numbers blank_runs "
                         "digit_spaces full_width s2hk s2tw) beside the clean pages: one table row each")
    ev.add_argument("--rounds", type=int, default=1000, help="bootstrap rounds over articles (default 1000)")
    ev.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    ev.add_argument("-o", "--output")
    nlp_options(ev)
    ev.set_defaults(func=cmd_evaluate)

    ba = sub.add_parser("batch", help="process an archive into documents.jsonl and Parquet tables")
    ba.add_argument("inputs", nargs="+", help="folders (recursive), globs, text/HTML files, JSONL archives")
    ba.add_argument("--out", required=True, help="output folder")
    ba.add_argument("--workers", type=int, default=1)
    ba.add_argument("--engine", choices=["local", "dask"], default="local")
    ba.add_argument("--scheduler", help="dask scheduler address (tcp://host:port); default: a LocalCluster")
    ba.add_argument("--resume", action="store_true", help="finish an interrupted run in --out")
    ba.add_argument("--path-pattern", help="page metadata from paths, e.g. '{paper}/{yyyy}-{mm}-{dd}/{page}.txt'")
    ba.add_argument("--chunk-size", type=int, default=16, help="pages per output part (default 16)")
    ba.add_argument("--timeout", type=float, default=60.0,
                    help="seconds per page before it is failed and its worker killed (default 60; 0: none)")
    ba.add_argument("--max-memory", type=int, default=4096, metavar="MB",
                    help="resident memory of a worker process; the page that passes it fails (default 4096; 0: none)")
    ba.add_argument("--quiet", action="store_true")
    ba.add_argument("--strict", action="store_true",
                    help="exit 1 when any page failed (default: 0 once the run completes; failures are in errors.jsonl)")
    nlp_options(ba)
    ba.set_defaults(func=cmd_batch)

    rd = sub.add_parser("render", help="a self-contained HTML view of a page: articles, entities, facts, directives")
    rd.add_argument("page", help="page text file")
    rd.add_argument("-o", "--output", help="HTML file to write (atomically); default stdout")
    rd.add_argument("--pred", help="render this `baozhi extract` JSON/JSONL instead of running the extractor")
    nlp_options(rd)
    rd.set_defaults(func=cmd_render)

    cv = sub.add_parser("convert", help="annotations to and from Label Studio, doccano, spaCy DocBin, CoNLL")
    cv.add_argument("inputs", nargs="+", help="pages, `baozhi extract` JSON/JSONL, gold files/folders, "
                                              "Label Studio JSON exports or doccano JSONL")
    cv.add_argument("--from", default="auto", choices=["auto", "page", "pred", "gold", "labelstudio", "doccano"],
                    help="what the inputs are (default: guessed from each file)")
    cv.add_argument("--to", required=True, choices=["labelstudio", "doccano", "gold", "spacy", "conll"])
    cv.add_argument("-o", "--output", required=True,
                    help="file to write (labelstudio also writes OUT.config.xml beside it); a folder for gold")
    cv.add_argument("--pages", nargs="+", help="page files or folders the imported tasks refer to")
    cv.add_argument("--split", choices=["train", "dev", "test"],
                    help="split of imported gold pages (default: the exported one, else train)")
    nlp_options(cv)
    cv.set_defaults(func=cmd_convert)

    gd = sub.add_parser("gold", help="gold file utilities")
    gsub = gd.add_subparsers(dest="gold_command", required=True)
    gc = gsub.add_parser("check", help="verify every span and the sha256 of gold files")
    gc.add_argument("files", nargs="+")
    gc.set_defaults(func=cmd_gold_check)
    gs = gsub.add_parser("stats", help="pages, news items, facts, directives and entities per split")
    gs.add_argument("files", nargs="+")
    gs.set_defaults(func=cmd_gold_stats)
    ga = gsub.add_parser("agree", help="agreement of double annotations (fact strict F1 and more, per page)")
    ga.add_argument("files", nargs="+", help="first annotations (files or folders)")
    ga.add_argument("--with", dest="second", required=True, help="folder of the second annotations (same file names)")
    ga.set_defaults(func=cmd_gold_agree)
    return parser


EXIT_OS_ERROR = 3  # 0 done, 1 pages failed (batch --strict), 2 bad input or usage, 3 the system refused a file


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"baozhi: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning  # one line each, like the errors
    warnings.simplefilter("always", DecodeWarning)  # every damaged page, not the first one only
    try:
        return args.func(args)
    except (IngestError, GoldError, PredictionError, CliError) as exc:
        print(f"baozhi: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # read-only or full disk, unwritable -o: the system's reason, one line
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"baozhi: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_OS_ERROR


if __name__ == "__main__":
    sys.exit(main())
