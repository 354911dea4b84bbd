"""Evaluation reports (`baozhi evaluate --report DIR`) and system comparisons (`--compare A B`).

Every score comes from `baozhi.evaluate`: headline numbers are `Report.as_dict()`, and the
per-article counts behind the bootstrap are built with evaluate's own matching functions and
entity tags, so a resample that draws every article once gives back exactly the evaluate figures.
Everything taken from a page is HTML-escaped: pages are untrusted input.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
from seqeval.scheme import IOB2, Entities

from .evaluate import (
    Report,
    _fact_line,
    _line_units,
    _match,
    _num,
    _numbers_right,
    _overlap,
    action_match,
    directive_match,
    evaluate,
    fact_lenient,
    fact_strict,
    gold_items,
)
from .files import write_atomic
from .lexicon import CLAUSE_END


class ReportError(Exception):
    pass


AVERAGES = ("micro avg", "macro avg", "weighted avg")

# error categories, most harmful first (a wrong magnitude or sign misstates the news)
SCALE = "万/亿 scale"
SIGN = "sign"
UNIT = "百分点 vs %"
METRIC = "wrong metric attachment"
SLOT = "value/change left out or added"
NUMBER = "other: wrong number or unit"
MISSED = "missed"
SPURIOUS = "spurious"
CONTEXT = "period/scope/basis"
SPAN = "other: span boundary, name or change type"
SEVERITY = (SCALE, SIGN, UNIT, METRIC, NUMBER, SLOT, MISSED, SPURIOUS, CONTEXT, SPAN)
MEANING = {
    SCALE: "value/change overlaps, numbers differ by a power of ten ≥ 10^4 (万/亿 read wrong)",
    SIGN: "change of equal magnitude with the opposite sign",
    UNIT: "value/change overlaps, one side says 百分点 and the other %",
    METRIC: "value and change right, metric elsewhere with another name (often 分别 lists)",
    NUMBER: "value/change overlaps but another number or unit",
    SLOT: "one side has a value (or change) the other lacks, e.g. the change of a 分别 list not attached",
    MISSED: "gold fact with no predicted fact on its value/change",
    SPURIOUS: "predicted fact on no gold fact's value/change",
    CONTEXT: "everything right except the period, scope or basis span",
    SPAN: "numbers right; a span boundary, metric_name or change.of differs",
}
CONTEXT_KEYS = ("basis", "period", "scope")


# ---------------------------------------------------------------------------------------------
# per-article counts and the bootstrap


@dataclass
class Units:
    """Counts per bootstrap unit: a gold article, or the text of a page outside every article."""

    names: list[tuple[str, int]]
    keys: list[str]
    m: np.ndarray

    def sums(self, rows=None) -> dict[str, float]:
        m = self.m if rows is None else self.m[rows]
        return dict(zip(self.keys, m.sum(axis=0).tolist(), strict=True))

    def pages(self) -> list[str]:
        return list(dict.fromkeys(p for p, _ in self.names))

    def page_rows(self, page: str) -> list[int]:
        return [i for i, (p, _) in enumerate(self.names) if p == page]


def _flatten(pred: dict, key: str) -> list[dict]:
    return [x for a in pred["articles"] for x in a[key]]


def _owner(articles: list[dict], offset: int) -> int:
    return next((i for i, a in enumerate(articles) if a["start"] <= offset < max(a["end"], a["start"] + 1)), -1)


def _fact_offset(f: dict) -> int:
    return next(f[k]["start"] for k in ("value", "change", "metric") if f.get(k))


def _entity_chunks(text: str, tags: list[list[str]]) -> list[tuple[int, int, int, str]]:
    """seqeval's strict IOB2 chunks of evaluate's per-line tags, with page offsets."""
    starts = [s for s, _ in _line_units(text)]
    chunks = Entities(tags, IOB2, suffix=False).entities
    return [(line, starts[line] + s, starts[line] + e, label) for sent in chunks for line, label, s, e in
            (c.to_tuple() for c in sent)]


def page_counts(text: str, gold: dict, pred: dict, gold_tags, pred_tags) -> dict[int, Counter]:
    """Counts per gold article of one page; a match counts where its gold item is."""
    arts = gold["articles"] or []
    out = {u: Counter() for u in range(-1, len(arts))}

    g_facts, p_facts = gold["facts"], _flatten(pred, "facts")
    g_at = [_owner(arts, _fact_offset(f)) for f in g_facts]
    for u in g_at:
        out[u]["facts.gold"] += 1
    for f in p_facts:
        out[_owner(arts, _fact_offset(f))]["facts.pred"] += 1
    for kind, ok in (("strict", fact_strict), ("lenient", fact_lenient)):
        for i, _ in _match(g_facts, p_facts, ok):
            out[g_at[i]][f"facts.{kind}"] += 1

    g_dirs, p_dirs = gold["directives"], _flatten(pred, "directives")
    g_at = [_owner(arts, d["start"]) for d in g_dirs]
    p_at = [_owner(arts, d["start"]) for d in p_dirs]
    pairs = _match(g_dirs, p_dirs, directive_match)
    for u in g_at:
        out[u]["directives.gold"] += 1
    for u in p_at:
        out[u]["directives.pred"] += 1
    for i, j in pairs:
        ga, pa = g_dirs[i].get("actions", []), p_dirs[j].get("actions", [])
        c = out[g_at[i]]
        c["directives.correct"] += 1
        c["actions.correct"] += len(_match(ga, pa, action_match))
        c["actions.gold"] += len(ga)
        c["actions.pred"] += len(pa)
    matched_g, matched_p = {i for i, _ in pairs}, {j for _, j in pairs}
    for i in set(range(len(g_dirs))) - matched_g:
        out[g_at[i]]["actions.gold"] += len(g_dirs[i].get("actions", []))
    for j in set(range(len(p_dirs))) - matched_p:
        out[p_at[j]]["actions.pred"] += len(p_dirs[j].get("actions", []))

    g_ents, p_ents = _entity_chunks(text, gold_tags), _entity_chunks(text, pred_tags)
    p_set = set(p_ents)
    for chunk in g_ents:
        c = out[_owner(arts, chunk[1])]
        c[f"ent.{chunk[3]}.gold"] += 1
        c["ent.micro.gold"] += 1
        if chunk in p_set:
            c[f"ent.{chunk[3]}.tp"] += 1
            c["ent.micro.tp"] += 1
    for chunk in p_ents:
        c = out[_owner(arts, chunk[1])]
        c[f"ent.{chunk[3]}.pred"] += 1
        c["ent.micro.pred"] += 1
    return out


def build_units(items: list, report: Report) -> Units:
    per_page = [(name, page_counts(text, gold, pred, s.gold_tags, s.pred_tags))
                for (name, text, gold, pred), s in zip(items, report.pages, strict=True)]
    keys = sorted({k for _, units in per_page for c in units.values() for k in c})
    names, rows = [], []
    for name, units in per_page:
        for u in sorted(units):
            names.append((name, u))
            rows.append([units[u][k] for k in keys])
    m = np.array(rows, dtype=float).reshape(len(rows), len(keys))
    return Units(names, keys, m)


@dataclass(frozen=True)
class Metric:
    """An F1 from three count columns; the bootstrap and the per-page lists use it."""

    name: str
    matched: str
    gold: str
    pred: str


def _f1(m, g, p):
    """Counts.prf's F1 in closed form: 2m/(g+p), and 1 when there is nothing on either side."""
    m, g, p = np.asarray(m, dtype=float), np.asarray(g, dtype=float), np.asarray(p, dtype=float)
    return np.where(g + p > 0, 2 * m / np.maximum(g + p, 1), 1.0)


TASKS = (
    Metric("facts (strict)", "facts.strict", "facts.gold", "facts.pred"),
    Metric("facts (lenient)", "facts.lenient", "facts.gold", "facts.pred"),
    Metric("directives (overlap ≥ 50%)", "directives.correct", "directives.gold", "directives.pred"),
    Metric("directive actions", "actions.correct", "actions.gold", "actions.pred"),
    Metric("entities micro (seqeval strict)", "ent.micro.tp", "ent.micro.gold", "ent.micro.pred"),
)


def entity_metric(label: str) -> Metric:
    return Metric(f"entity {label}", f"ent.{label}.tp", f"ent.{label}.gold", f"ent.{label}.pred")


def _column_sums(units: Units, weights: np.ndarray) -> dict[str, np.ndarray]:
    sums = weights @ units.m
    return {k: sums[:, i] for i, k in enumerate(units.keys)}


def _weights(n: int, rounds: int, seed: int) -> np.ndarray:
    """How often each unit is drawn in each round (resampling units with replacement)."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(rounds, n))
    return np.stack([np.bincount(row, minlength=n) for row in draws]).astype(float) if n else np.zeros((rounds, 0))


def metric_f1(metric: Metric, sums: dict):
    return _f1(sums.get(metric.matched, 0.0), sums.get(metric.gold, 0.0), sums.get(metric.pred, 0.0))


@dataclass
class Interval:
    point: float
    low: float
    high: float

    def text(self) -> str:
        return f"[{self.low:.3f}, {self.high:.3f}]"


def bootstrap(units: Units, metrics: list[Metric], rounds: int = 1000, seed: int = 0) -> dict[str, Interval]:
    """95% percentile intervals of each F1, resampling articles with replacement."""
    w = _weights(len(units.names), rounds, seed)
    sums, total = _column_sums(units, w), units.sums()
    out = {}
    for metric in metrics:
        values = metric_f1(metric, sums)
        low, high = np.percentile(values, [2.5, 97.5]) if rounds else (np.nan, np.nan)
        out[metric.name] = Interval(float(metric_f1(metric, total)), float(low), float(high))
    return out


@dataclass
class Difference:
    a: float
    b: float
    low: float
    high: float
    p: float

    @property
    def delta(self) -> float:
        return self.b - self.a


def paired_bootstrap(ua: Units, ub: Units, metrics: list[Metric], rounds: int = 1000,
                     seed: int = 0) -> dict[str, Difference]:
    """B − A on the same resampled articles; p = share of rounds whose difference is zero or of the
    opposite sign to the observed one (1 when the observed difference is zero)."""
    if ua.names != ub.names:
        raise ReportError("the two systems were not scored on the same gold articles")
    w = _weights(len(ua.names), rounds, seed)
    sa, sb = _column_sums(ua, w), _column_sums(ub, w)
    ta, tb = ua.sums(), ub.sums()
    out = {}
    for metric in metrics:
        d = metric_f1(metric, sb) - metric_f1(metric, sa)
        a, b = float(metric_f1(metric, ta)), float(metric_f1(metric, tb))
        observed = b - a
        if observed > 0:
            p = float(np.mean(d <= 0))
        elif observed < 0:
            p = float(np.mean(d >= 0))
        else:
            p = 1.0
        low, high = np.percentile(d, [2.5, 97.5]) if rounds else (np.nan, np.nan)
        out[metric.name] = Difference(a, b, float(low), float(high), p)
    return out


# ---------------------------------------------------------------------------------------------
# fact error categories


@dataclass
class FactError:
    category: str
    page: str
    text: str = field(repr=False)
    gold: dict | None
    pred: dict | None

    @property
    def offset(self) -> int:
        return _fact_offset(self.gold or self.pred)


def _power_of_ten(a: Decimal | None, b: Decimal | None) -> bool:
    if not a or not b:
        return False
    big, small = max(abs(a), abs(b)), min(abs(a), abs(b))
    ratio = (big / small).normalize()
    return ratio == ratio.to_integral_value() and ratio.as_tuple().digits == (1,) and ratio.adjusted() >= 4


def classify(g: dict, p: dict) -> str:
    """Why a predicted fact on the same value/change is not strictly right."""
    slots = [(g.get(k), p.get(k)) for k in ("value", "change")]
    if any(gv and pv and {gv["unit"], pv["unit"]} == {"百分点", "%"} for gv, pv in slots):
        return UNIT
    if any(gv and pv and _power_of_ten(_num(gv["number"]), _num(pv["number"])) for gv, pv in slots):
        return SCALE
    gc, pc = g.get("change"), p.get("change")
    if gc and pc and _num(gc["number"]) == -_num(pc["number"]) != 0:
        return SIGN
    numbers = all(_numbers_right(gv, pv, ("number", "unit")) for gv, pv in slots)
    if numbers and not _overlap(g["metric"], p["metric"]) and g["metric_name"] != p["metric_name"]:
        return METRIC
    if fact_strict(g, {**p, **{k: g.get(k) for k in CONTEXT_KEYS}}):
        return CONTEXT
    if numbers:
        return SPAN
    return SLOT if any((gv is None) != (pv is None) for gv, pv in slots) else NUMBER


def _anchor(g: dict, p: dict) -> int:
    return _overlap(g.get("value"), p.get("value")) + _overlap(g.get("change"), p.get("change"))


def fact_errors(items: list) -> list[FactError]:
    """Every gold fact without a strict match, paired with the unmatched prediction on its value/change."""
    errors = []
    for name, text, gold, pred in items:
        g_facts, p_facts = gold["facts"], _flatten(pred, "facts")
        strict = _match(g_facts, p_facts, fact_strict)
        done, used = {i for i, _ in strict}, {j for _, j in strict}
        for i, g in enumerate(g_facts):
            if i in done:
                continue
            candidates = [((fact_lenient(g, p), _anchor(g, p)), j) for j, p in enumerate(p_facts)
                          if j not in used and _anchor(g, p) > 0]
            if not candidates:
                errors.append(FactError(MISSED, name, text, g, None))
                continue
            j = max(candidates, key=lambda c: c[0])[1]
            used.add(j)
            errors.append(FactError(classify(g, p_facts[j]), name, text, g, p_facts[j]))
        errors += [FactError(SPURIOUS, name, text, None, p) for j, p in enumerate(p_facts) if j not in used]
    return errors


def worst(errors: list[FactError], limit: int = 20, per_category: int = 5) -> list[FactError]:
    """The most harmful errors, a few of each category first so that one kind does not hide the rest."""
    ranked = sorted(errors, key=lambda e: (SEVERITY.index(e.category), e.page, e.offset))
    seen, first, rest = Counter(), [], []
    for e in ranked:
        (first if seen[e.category] < per_category else rest).append(e)
        seen[e.category] += 1
    return sorted((first + rest)[:limit], key=lambda e: (SEVERITY.index(e.category), e.page, e.offset))


def entity_confusion(report: Report) -> Counter:
    """Character-level gold label × predicted label (O included) over evaluate's tags."""
    c = Counter()
    for page in report.pages:
        for g_line, p_line in zip(page.gold_tags, page.pred_tags, strict=True):
            for g, p in zip(g_line, p_line, strict=True):
                c[(g.split("-", 1)[-1], p.split("-", 1)[-1])] += 1
    return c


# ---------------------------------------------------------------------------------------------
# the document: blocks rendered to Markdown and to HTML from the same data


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Text:
    text: str


@dataclass
class Chart:
    file: str
    png: bytes
    alt: str


@dataclass
class Legend:
    pass


@dataclass
class Example:
    title: str
    text: str
    gold: list[tuple[int, int]]
    pred: list[tuple[int, int]]
    details: list[str]


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    title: str
    sections: list[Section]

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


def _md(s) -> str:
    return html.escape(str(s), quote=False).replace("|", "\\|").replace("\n", " ")


def _bracket(text: str, spans: list[tuple[int, int]], left: str, right: str) -> str:
    on = _coverage(len(text), spans)
    out, prev = [], False
    for ch, flag in zip(text, on, strict=True):
        if flag != prev:
            out.append(left if flag else right)
            prev = flag
        out.append(ch)
    if prev:
        out.append(right)
    return "".join(out)


def _coverage(n: int, spans: list[tuple[int, int]]) -> list[bool]:
    on = [False] * n
    for s, e in spans:
        for i in range(max(0, s), min(n, e)):
            on[i] = True
    return on


def to_markdown(doc: Document) -> str:
    out = [f"# {_md(doc.title)}", ""]
    for section in doc.sections:
        out += [f"## {_md(section.title)}", ""]
        for b in section.blocks:
            if isinstance(b, Table):
                out.append("| " + " | ".join(map(_md, b.headers)) + " |")
                out.append("|" + "---|" * len(b.headers))
                out += ["| " + " | ".join(map(_md, row)) + " |" for row in b.rows]
            elif isinstance(b, Text):
                out.append(_md(b.text))
            elif isinstance(b, Chart):
                out.append(f"![{_md(b.alt)}]({b.file})")
            elif isinstance(b, Legend):
                out.append("Gold spans are in 【】, predicted spans in 〔〕; ↵ is a line break of the page.")
            elif isinstance(b, Example):
                out += [f"### {_md(b.title)}", "",
                        f"- gold: {_md(_bracket(b.text, b.gold, '【', '】'))}",
                        f"- pred: {_md(_bracket(b.text, b.pred, '〔', '〕'))}"]
                out += [f"- {_md(d)}" for d in b.details]
            out.append("")
    return "\n".join(out)


STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccc;padding:.2em .5em}
td{text-align:right}td:first-child{text-align:left}th{background:#f3f3f3}
mark.gold{background:#ffe08a}mark.pred{background:#9fd3ff}mark.both{background:#9be39b}
.example{border-left:3px solid #ccc;padding-left:1em;margin:1em 0}.sentence{font-size:1.1em}
img{max-width:100%}
"""


def _marked_html(text: str, gold: list[tuple[int, int]], pred: list[tuple[int, int]]) -> str:
    g, p = _coverage(len(text), gold), _coverage(len(text), pred)
    out, run, cls = [], [], None

    def flush():
        if run:
            body = html.escape("".join(run))
            out.append(f'<mark class="{cls}">{body}</mark>' if cls else body)

    for i, ch in enumerate(text):
        c = {(True, False): "gold", (False, True): "pred", (True, True): "both"}.get((g[i], p[i]))
        if c != cls:
            flush()
            run, cls = [], c
        run.append(ch)
    flush()
    return "".join(out)


def to_html(doc: Document) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
           'style-src \'unsafe-inline\'">',
           f"<title>{e(doc.title)}</title><style>{STYLE}</style></head><body>", f"<h1>{e(doc.title)}</h1>"]
    for section in doc.sections:
        out.append(f"<section><h2>{e(section.title)}</h2>")
        for b in section.blocks:
            if isinstance(b, Table):
                out.append("<table><thead><tr>" + "".join(f"<th>{e(str(h))}</th>" for h in b.headers)
                           + "</tr></thead><tbody>")
                out += ["<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in b.rows]
                out.append("</tbody></table>")
            elif isinstance(b, Text):
                out.append(f"<p>{e(b.text)}</p>")
            elif isinstance(b, Chart):
                data = base64.b64encode(b.png).decode("ascii")
                out.append(f'<figure><img alt="{e(b.alt)}" src="data:image/png;base64,{data}"></figure>')
            elif isinstance(b, Legend):
                out.append('<p><mark class="gold">gold span</mark> <mark class="pred">predicted span</mark> '
                           '<mark class="both">both</mark>; ↵ is a line break of the page.</p>')
            elif isinstance(b, Example):
                out.append(f'<div class="example"><h3>{e(b.title)}</h3>'
                           f'<p class="sentence">{_marked_html(b.text, b.gold, b.pred)}</p><ul>'
                           + "".join(f"<li>{e(d)}</li>" for d in b.details) + "</ul></div>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def bar_chart(groups: list[str], series: dict[str, list[float]], title: str) -> bytes:
    """A grouped bar chart as PNG bytes (Agg canvas, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(6.0, 0.8 * len(groups) + 2), 3.8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        ax.bar([i + offset for i in range(len(groups))], values, width, label=name)
    ax.set_xticks(range(len(groups)), groups, rotation=25, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# one system


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


def _f(x: float) -> str:
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
        rows.append([name, _f(scores["p"]), _f(scores["r"]), _f(scores["f1"]),
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
    ent_rows = [[label, _f(ents[label]["precision"]), _f(ents[label]["recall"]), _f(ents[label]["f1-score"]),
                 str(int(ents[label]["support"])), ci[f"entity {label}"].text()] for label in labels]
    ent_rows += [[avg, _f(ents[avg]["precision"]), _f(ents[avg]["recall"]), _f(ents[avg]["f1-score"]),
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
                          _f(float(metric_f1(TASKS[0], sums))), _f(float(metric_f1(TASKS[1], sums))),
                          f"{p.directives.gold}/{p.directives.pred}/{p.directives.correct}",
                          f"{p.articles.gold}/{p.articles.pred}/{p.articles.correct}",
                          _f(float(metric_f1(TASKS[4], sums)))])
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


def _write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_document(directory: str | Path, doc: Document) -> Path:

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for chart in doc.charts():
        _write_bytes(directory / chart.file, chart.png)
    write_atomic(directory / "report.md", to_markdown(doc))
    write_atomic(directory / "report.html", to_html(doc))
    return directory


def write_report(directory: str | Path, items: list, report: Report | None = None, rounds: int = 1000,
                 seed: int = 0) -> Path:
    """`baozhi evaluate --report DIR`: report.md, self-contained report.html, per_label.png."""
    return write_document(directory, build_document(items, report, rounds, seed))


# ---------------------------------------------------------------------------------------------
# two systems


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
            out.append([name, _f(d.a), _f(d.b), f"{d.delta:+.3f}", f"[{d.low:+.3f}, {d.high:+.3f}]", f"{d.p:.3f}"])
        sa, sb = self.a.scores["articles"]["f1"], self.b.scores["articles"]["f1"]
        out.append(["article boundaries", _f(sa), _f(sb), f"{sb - sa:+.3f}", "—", "—"])
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
            cells = [f"{_f(e['precision'])} / {_f(e['recall'])}" if e else "—" for e in (ea, eb)]
            rows.append([f"entity {label}", *cells])
        for name, key in (("facts (strict)", "facts_strict"), ("facts (lenient)", "facts_lenient"),
                          ("directives", "directives"), ("directive actions", "actions"),
                          ("article boundaries", "articles")):
            rows.append([name, *(f"{_f(s[key]['p'])} / {_f(s[key]['r'])}" for s in (self.a.scores, self.b.scores))])
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

    from .extractor import Extractor

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
