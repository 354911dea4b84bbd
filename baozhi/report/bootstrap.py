"""Per-article counts and the bootstrap: resampling articles gives intervals and paired differences
that reduce to the evaluate figures when every article is drawn once."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from seqeval.scheme import IOB2, Entities

from ..evaluate import (
    Report,
    _line_units,
    _match,
    action_match,
    directive_match,
    fact_lenient,
    fact_strict,
)


class ReportError(Exception):
    pass


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


def flatten(pred: dict, key: str) -> list[dict]:
    return [x for a in pred["articles"] for x in a[key]]


def _owner(articles: list[dict], offset: int) -> int:
    return next((i for i, a in enumerate(articles) if a["start"] <= offset < max(a["end"], a["start"] + 1)), -1)


def fact_offset(f: dict) -> int:
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

    g_facts, p_facts = gold["facts"], flatten(pred, "facts")
    g_at = [_owner(arts, fact_offset(f)) for f in g_facts]
    for u in g_at:
        out[u]["facts.gold"] += 1
    for f in p_facts:
        out[_owner(arts, fact_offset(f))]["facts.pred"] += 1
    for kind, ok in (("strict", fact_strict), ("lenient", fact_lenient)):
        for i, _ in _match(g_facts, p_facts, ok):
            out[g_at[i]][f"facts.{kind}"] += 1

    g_dirs, p_dirs = gold["directives"], flatten(pred, "directives")
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
