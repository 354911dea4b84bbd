"""The fact error taxonomy, most harmful first: a wrong magnitude or sign misstates the news."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..evaluate import (
    Report,
    _match,
    _num,
    _numbers_right,
    _overlap,
    fact_lenient,
    fact_strict,
)
from .bootstrap import fact_offset, flatten

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


@dataclass
class FactError:
    category: str
    page: str
    text: str = field(repr=False)
    gold: dict | None
    pred: dict | None

    @property
    def offset(self) -> int:
        return fact_offset(self.gold or self.pred)


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
        g_facts, p_facts = gold["facts"], flatten(pred, "facts")
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
