"""One system's report (`baozhi evaluate --report DIR`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..evaluate import (
    Report,
    _fact_line,
    evaluate,
)
from ..files import write_atomic
from ..lexicon import CLAUSE_END
from .bootstrap import TASKS, Units, bootstrap, build_units, entity_metric, metric_f1
from .document import Chart, Document, Example, Legend, Section, Table, Text, bar_chart, to_html, to_markdown
from .errors import MEANING, SEVERITY, FactError, entity_confusion, fact_errors, worst

AVERAGES = ("micro avg", "macro avg", "weighted avg")


@dataclass
class Assessment:
    """One system scored on gold: evaluate's Report, its dict, and the per-article counts."""

    items: list
    report: Report
    scores: dict
    units: Units

    @classmethod
    def of(cls, items: list, report: Report | None = None) -> Assessment:
        report = report or evaluate(items)
        return cls(items, report, report.as_dict(), build_units(items, report))

    def labels(self) -> list[str]:
        return sorted(k for k in self.scores["entities"] if k not in AVERAGES)


def fmt(x: float) -> str:
    return f"{x:.3f}"


def _window(text: str, spans: list[dict]) -> tuple[int, int]:
    """The sentence around the fact's core spans, at most ~80 characters either side."""
    lo, hi = min(s["start"] for s in spans), max(s["end"] for s in spans)
    start = max(text.rfind(c, 0, lo) for c in CLAUSE_END + "\n") + 1
    ends = [i for i in (text.find(c, hi) for c in CLAUSE_END + "\n") if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return max(start, lo - 80), min(end, hi + 80)


def _fact_spans(f: dict | None, keys=("metric", "value", "change", "basis", "period", "scope")) -> list[dict]:
    return [f[k] for k in keys if f and f.get(k)]


def example(n: int, err: FactError) -> Example:
    core = _fact_spans(err.gold, ("metric", "value", "change")) + _fact_spans(err.pred, ("metric", "value", "change"))
    start, end = _window(err.text, core)

    def rel(f):
        return [(s["start"] - start, s["end"] - start) for s in _fact_spans(f)
                if s["end"] > start and s["start"] < end]

    details = [f"gold: {_fact_line(err.gold)}" if err.gold else "gold: —",
               f"pred: {_fact_line(err.pred)}" if err.pred else "pred: —"]
    return Example(f"{n}. {err.category} — {err.page} @{err.offset}", err.text[start:end].replace("\n", "↵"),
                   rel(err.gold), rel(err.pred), details)


def score_sections(a: Assessment, rounds: int, seed: int, chart: bool = True) -> list[Section]:
    d, totals = a.scores, a.report.totals()
    labels = a.labels()
    ci = bootstrap(a.units, [*TASKS, *map(entity_metric, labels)], rounds, seed)
    rows = []

    def row(name, scores, c, correct=None, interval=True):
        rows.append([name, fmt(scores["p"]), fmt(scores["r"]), fmt(scores["f1"]),
                     ci[name].text() if interval else "—", str(c.correct if correct is None else correct),
                     str(c.partial), str(c.missed), str(c.spurious)])

    row("facts (strict)", d["facts_strict"], totals["facts"], a.report.fact_strict)
    row("facts (lenient)", d["facts_lenient"], totals["facts"], a.report.fact_lenient)
    row("directives (overlap ≥ 50%)", d["directives"], totals["directives"])
    row("directive actions", d["actions"], totals["actions"])
    row("article boundaries", d["articles"], totals["articles"], interval=False)
    if "micro avg" in d["entities"]:
        e = d["entities"]["micro avg"]
        row("entities micro (seqeval strict)", {"p": e["precision"], "r": e["recall"], "f1": e["f1-score"]},
            totals["entities"])
    scores = Section("Scores", [
        Table(["task", "P", "R", "F1", "95% CI (F1)", "correct", "partial", "missed", "spurious"], rows),
        Text(f"Pk (lines): {d['pk']:.3f} — baselines: no boundary {d['pk_no_boundary']:.3f}, every line a "
             f"boundary {d['pk_all_boundary']:.3f} (lower is better)"),
        Text(f"95% CI: percentile bootstrap over {len(a.units.names)} articles (gold articles, plus the text of "
             f"each page outside them), {rounds} rounds, seed {seed}; each fact, directive and entity counts in "
             "the article holding its value/change (or metric) or its start."),
    ])

    ents = d["entities"]
    ent_rows = [[label, fmt(ents[label]["precision"]), fmt(ents[label]["recall"]), fmt(ents[label]["f1-score"]),
                 str(int(ents[label]["support"])), ci[f"entity {label}"].text()] for label in labels]
    ent_rows += [[avg, fmt(ents[avg]["precision"]), fmt(ents[avg]["recall"]), fmt(ents[avg]["f1-score"]),
                  str(int(ents[avg]["support"])),
                  ci["entities micro (seqeval strict)"].text() if avg == "micro avg" else "—"]
                 for avg in AVERAGES if avg in ents]
    per_label = Section("Entities per label (seqeval, IOB2 strict)",
                        [Table(["label", "P", "R", "F1", "support", "95% CI (F1)"], ent_rows)])
    if chart:
        groups, series = _chart_data(a)
        per_label.blocks.append(Chart("per_label.png", bar_chart(groups, series, "P / R / F1 per label"),
                                      "P/R/F1 per label"))

    conf = entity_confusion(a.report)
    names = [*labels, "O"]
    confusion = Section("Entity label confusion (characters; rows gold, columns predicted)", [
        Table(["gold \\ pred", *names], [[g, *(str(conf[(g, p)]) for p in names)] for g in names])])

    errors = fact_errors(a.items)
    counts = Counter(e.category for e in errors)
    categories = Section("Fact errors by category", [
        Table(["category", "count", "meaning"], [[c, str(counts[c]), MEANING[c]] for c in SEVERITY]),
        Text("Each gold fact without a strict match is paired with the unmatched prediction whose value or "
             "change overlaps it most (lenient matches first); categories are tested in the order 百分点 vs %, "
             "万/亿 scale, sign, wrong metric, period/scope/basis."),
    ])

    page_rows = []
    for p in a.report.pages:
        sums = a.units.sums(a.units.page_rows(p.name))
        page_rows.append([p.name, f"{p.facts.gold}/{p.facts.pred}/{p.facts.correct}/{p.facts.correct + p.facts.partial}",
                          fmt(float(metric_f1(TASKS[0], sums))), fmt(float(metric_f1(TASKS[1], sums))),
                          f"{p.directives.gold}/{p.directives.pred}/{p.directives.correct}",
                          f"{p.articles.gold}/{p.articles.pred}/{p.articles.correct}",
                          fmt(float(metric_f1(TASKS[4], sums)))])
    pages = Section("Pages", [Table(["page", "facts gold/pred/strict/lenient", "facts F1 strict", "facts F1 lenient",
                                     "directives gold/pred/correct", "articles gold/pred/correct",
                                     "entities F1"], page_rows)])

    chosen = worst(errors)
    examples = Section(f"Worst fact errors ({len(chosen)} of {len(errors)})", [Legend()])
    examples.blocks += [example(n, e) for n, e in enumerate(chosen, 1)]
    return [scores, per_label, categories, confusion, pages, examples]


def _chart_data(a: Assessment) -> tuple[list[str], dict[str, list[float]]]:
    d, ents = a.scores, a.scores["entities"]
    groups, p, r, f = [], [], [], []
    for label in [*a.labels(), "micro avg"]:
        if label in ents:
            groups.append("entities micro" if label == "micro avg" else label)
            p.append(ents[label]["precision"])
            r.append(ents[label]["recall"])
            f.append(ents[label]["f1-score"])
    for name, key in (("facts strict", "facts_strict"), ("facts lenient", "facts_lenient"),
                      ("directives", "directives"), ("actions", "actions"), ("articles", "articles")):
        groups.append(name)
        p.append(d[key]["p"])
        r.append(d[key]["r"])
        f.append(d[key]["f1"])
    return groups, {"P": p, "R": r, "F1": f}


def build_document(items: list, report: Report | None = None, rounds: int = 1000, seed: int = 0,
                   title: str = "baozhi evaluation report") -> Document:
    a = Assessment.of(items, report)
    pages = ", ".join(name for name, *_ in items)
    return Document(title, [Section("Pages scored", [Text(f"{len(items)} pages: {pages}")]),
                            *score_sections(a, rounds, seed)])


def write_document(directory: str | Path, doc: Document) -> Path:

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for chart in doc.charts():
        write_atomic(directory / chart.file, chart.png)
    write_atomic(directory / "report.md", to_markdown(doc))
    write_atomic(directory / "report.html", to_html(doc))
    return directory


def write_report(directory: str | Path, items: list, report: Report | None = None, rounds: int = 1000,
                 seed: int = 0) -> Path:
    """`baozhi evaluate --report DIR`: report.md, self-contained report.html, per_label.png."""
    return write_document(directory, build_document(items, report, rounds, seed))
