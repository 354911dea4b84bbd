"""Two systems compared on the same gold (`baozhi evaluate --compare A B`)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..evaluate import (
    gold_items,
)
from ..files import write_atomic
from .assessment import Assessment, fmt, score_sections, write_document
from .bootstrap import TASKS, Difference, ReportError, entity_metric, metric_f1, paired_bootstrap
from .document import Chart, Document, Section, Table, Text, bar_chart, to_markdown


@dataclass
class Comparison:
    names: tuple[str, str]
    a: Assessment
    b: Assessment
    differences: dict[str, Difference]
    changed: list[tuple[str, dict[str, float]]]
    unchanged: list[str]
    rounds: int
    seed: int

    def rows(self) -> list[list[str]]:
        out = []
        for name, d in self.differences.items():
            out.append([name, fmt(d.a), fmt(d.b), f"{d.delta:+.3f}", f"[{d.low:+.3f}, {d.high:+.3f}]", f"{d.p:.3f}"])
        sa, sb = self.a.scores["articles"]["f1"], self.b.scores["articles"]["f1"]
        out.append(["article boundaries", fmt(sa), fmt(sb), f"{sb - sa:+.3f}", "—", "—"])
        return out

    def sections(self) -> list[Section]:
        a, b = self.names
        table = Table(["score (F1)", f"A: {a}", f"B: {b}", "Δ (B − A)", "95% CI of Δ", "p"], self.rows())
        note = Text(f"Paired bootstrap over {len(self.a.units.names)} articles, {self.rounds} rounds, seed "
                    f"{self.seed}: both systems are rescored on the same resampled articles; p is the share of "
                    "rounds where Δ is zero or has the sign opposite to the observed Δ (1 when Δ = 0).")
        pr = self._pr_table()
        keys = [m.name for m in TASKS]
        page_rows = [[page, *(f"{deltas[k]:+.3f}" for k in keys)] for page, deltas in self.changed]
        changed = Section(f"Changed pages ({len(self.changed)} of {len(self.changed) + len(self.unchanged)})",
                          [Table(["page", *(f"Δ {k}" for k in keys)], page_rows),
                           Text("Unchanged: " + (", ".join(self.unchanged) or "none"))])
        return [Section("Comparison", [table, note, pr]), changed]

    def _pr_table(self) -> Table:
        rows = []
        for label in sorted(set(self.a.labels()) | set(self.b.labels())) + ["micro avg"]:
            ea, eb = self.a.scores["entities"].get(label), self.b.scores["entities"].get(label)
            cells = [f"{fmt(e['precision'])} / {fmt(e['recall'])}" if e else "—" for e in (ea, eb)]
            rows.append([f"entity {label}", *cells])
        for name, key in (("facts (strict)", "facts_strict"), ("facts (lenient)", "facts_lenient"),
                          ("directives", "directives"), ("directive actions", "actions"),
                          ("article boundaries", "articles")):
            rows.append([name, *(f"{fmt(s[key]['p'])} / {fmt(s[key]['r'])}" for s in (self.a.scores, self.b.scores))])
        return Table(["score", "A: P / R", "B: P / R"], rows)

    def markdown(self) -> str:
        return to_markdown(Document(f"baozhi comparison: A = {self.names[0]}, B = {self.names[1]}",
                                    self.sections()))

    def as_dict(self) -> dict:
        return {"a": self.names[0], "b": self.names[1], "rounds": self.rounds, "seed": self.seed,
                "scores": {"a": self.a.scores, "b": self.b.scores},
                "differences": {k: {"a": d.a, "b": d.b, "delta": d.delta, "ci": [d.low, d.high], "p": d.p}
                                for k, d in self.differences.items()},
                "changed_pages": {page: deltas for page, deltas in self.changed},
                "unchanged_pages": self.unchanged}

    def document(self) -> Document:
        a, b = self.names
        groups, fa, fb = [], [], []
        for m in self.differences:
            groups.append(m.replace("entity ", "").replace(" (seqeval strict)", "").replace(" (overlap ≥ 50%)", ""))
            fa.append(self.differences[m].a)
            fb.append(self.differences[m].b)
        chart = Chart("per_label.png", bar_chart(groups, {f"A: {Path(a).name}": fa, f"B: {Path(b).name}": fb},
                                                 "F1 per label"), "F1 per label, A vs B")
        sections = self.sections()
        sections[0].blocks.append(chart)
        for tag, s in (("A", self.a), ("B", self.b)):
            for sec in score_sections(s, self.rounds, self.seed, chart=False):
                sec.title = f"{tag}: {sec.title}"
                sections.append(sec)
        return Document(f"baozhi comparison: A = {a}, B = {b}", sections)


def _page_docs(items: list) -> dict[str, str]:
    return {name: json.dumps(pred["articles"], sort_keys=True, ensure_ascii=False) for name, _, _, pred in items}


def compare(items_a: list, items_b: list, names: tuple[str, str] = ("A", "B"), rounds: int = 1000,
            seed: int = 0) -> Comparison:
    a, b = Assessment.of(items_a), Assessment.of(items_b)
    labels = sorted(set(a.labels()) | set(b.labels()))
    metrics = [*map(entity_metric, labels), *TASKS]
    differences = paired_bootstrap(a.units, b.units, metrics, rounds, seed)
    docs_a, docs_b = _page_docs(items_a), _page_docs(items_b)
    changed, unchanged = [], []
    for page in a.units.pages():
        if docs_a.get(page) == docs_b.get(page):
            unchanged.append(page)
            continue
        sa, sb = a.units.sums(a.units.page_rows(page)), b.units.sums(b.units.page_rows(page))
        changed.append((page, {m.name: float(metric_f1(m, sb) - metric_f1(m, sa)) for m in TASKS}))
    return Comparison(tuple(names), a, b, differences, changed, unchanged, rounds, seed)


def prediction_files(spec: str) -> list[str] | None:
    """The page JSON files of a prediction folder (or the file itself); None for `rules` and model folders."""
    path = Path(spec)
    if spec == "rules":
        return None
    if path.is_file():
        return [spec]
    if not path.is_dir():
        raise ReportError(f"{spec}: not `rules`, a folder of predictions or a model folder")
    if (path / "config.json").exists():  # a Hugging Face style model folder
        return None
    files = []
    for f in sorted([*path.glob("*.json"), *path.glob("*.jsonl")]):
        with f.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4000)
        if '"articles"' in head and '"source"' in head:
            files.append(str(f))
    return files or None


def _system(name: str, args):
    """`rules` → the rule Extractor; a folder → the learned extractor; the other run options as given."""
    from types import SimpleNamespace

    from ..extractor import Extractor

    options = vars(args) if not isinstance(args, dict) else args
    if name == "rules":  # with models/default present, no --extractor means the model: ask for the rules
        return Extractor.from_options(SimpleNamespace(**{**options, "extractor": "rules", "model": None}))
    if not Path(name).is_dir():
        raise ReportError(f"{name}: not `rules` and not a model folder")
    try:
        return Extractor.from_options(SimpleNamespace(**{**options, "extractor": "model", "model": name}))
    except (ValueError, OSError) as exc:
        raise ReportError(f"{name}: cannot load the model ({exc})") from exc


def _source(spec: str, args):
    """Prediction files or an Extractor for one side, resolved before any page is run."""
    files = prediction_files(spec)
    if files is not None:
        return files
    return _system(spec, args)


def system_items(source, args) -> list:
    """(name, text, gold, prediction) from prediction files or an Extractor run on the gold pages."""
    if isinstance(source, list):
        return gold_items(args.gold, source, args)
    return gold_items(args.gold, None, args, extractor=source)


def compare_command(args) -> int:
    """`baozhi evaluate --compare A B`: side-by-side scores to stdout (and --report DIR)."""

    if args.pred:
        raise ReportError("--compare reads its own predictions; leave out --pred")
    a, b = args.compare
    for spec in (a, b):  # a wrong path fails before any page is run
        prediction_files(spec)
    source_a = _source(a, args)
    source_b = source_a if b == a else _source(b, args)
    items_a = system_items(source_a, args)
    items_b = items_a if b == a else system_items(source_b, args)
    if not items_a:
        raise ReportError("no gold pages selected")
    result = compare(items_a, items_b, tuple(args.compare), args.rounds, args.seed)
    out = json.dumps(result.as_dict(), ensure_ascii=False, indent=1) + "\n" if args.json else result.markdown()
    if args.report:
        write_document(args.report, result.document())
    if args.output:
        write_atomic(args.output, out)
    else:
        sys.stdout.write(out)
    return 0
