"""Consistency checks inside an article: parts against their whole, shares against values.

Tolerances come from the printed precision (a value printed to 1 亿元 may be off by 0.5 亿元;
a share printed to 0.1% may be off by 0.05), so a check reports `mismatch` only when the
printed figures cannot agree.
"""

from __future__ import annotations

from decimal import Decimal

from ..model import Check, Fact

NATIONAL = {"我国", "全国", "全行业", "全省", "全市"}


def _half_unit(fact: Fact) -> Decimal:
    """Half of the last printed digit, in base units (`35609亿元` → 0.5 亿 = 5e7)."""
    text = fact.value.span.text
    digits = "".join(ch for ch in text if ch.isdigit() or ch == ".")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    raw = Decimal(digits) if digits else Decimal(1)
    scale = fact.value.number / raw if raw else Decimal(1)
    return Decimal("0.5") * Decimal(10) ** -decimals * abs(scale)


def _amounts(facts: list[Fact]) -> list[tuple[int, Fact]]:
    return [(i, f) for i, f in enumerate(facts) if f.value and f.value.unit not in ("%", "百分点")]


def _scope(f: Fact) -> str | None:
    return f.scope.text if f.scope else None


def _whole_for(name: str, unit: str, facts: list[tuple[int, Fact]]) -> tuple[int, Fact] | None:
    candidates = [(i, f) for i, f in facts if f.metric_name == name and f.value.unit == unit
                  and (_scope(f) in NATIONAL or _scope(f) is None)]
    return candidates[0] if candidates else None


def sum_checks(facts: list[Fact]) -> list[Check]:
    amounts = _amounts(facts)
    checks = []
    by_name: dict[tuple[str, str], list[tuple[int, Fact]]] = {}
    for i, f in amounts:
        scope = _scope(f)
        if scope and scope.endswith("地区") and scope not in NATIONAL:
            by_name.setdefault((f.metric_name, f.value.unit), []).append((i, f))
    for (name, unit), parts in by_name.items():
        scopes = {_scope(f) for _, f in parts}
        if len(parts) < 2 or len(scopes) != len(parts):
            continue
        whole = _whole_for(name, unit, amounts)
        if whole is None:
            continue
        total = sum((f.value.number for _, f in parts), Decimal(0))
        tolerance = sum((_half_unit(f) for _, f in parts), Decimal(0)) + _half_unit(whole[1])
        expected = whole[1].value.number
        status = "ok" if abs(total - expected) <= tolerance else "mismatch"
        desc = f"{' + '.join(_scope(f) for _, f in parts)} {name} = {total} {unit}; stated whole {expected} {unit}"
        checks.append(Check("sum", status, desc, expected, total, [i for i, _ in parts] + [whole[0]]))
    return checks


def share_checks(facts: list[Fact]) -> list[Check]:
    amounts = _amounts(facts)
    checks = []
    for i, f in enumerate(facts):
        if not (f.value and f.value.unit == "%" and f.metric_name.endswith("占比")):
            continue
        base = f.metric_name[: -len("占比")]
        part = next((p for p in amounts if p[1].metric_name == base and _scope(p[1]) == _scope(f)
                     and p[1].evidence.start <= f.metric.start), None)
        if part is None:
            part = next((p for p in reversed(amounts) if p[1].metric_name == base and p[1].metric.start < f.metric.start
                         and (_scope(f) is None or _scope(p[1]) == _scope(f))), None)
        if part is None:
            continue
        others = [p for p in amounts if p[0] != part[0] and p[1].value.unit == part[1].value.unit]
        named = [p for p in others if p[1].metric_name in f.metric.text]
        national = [p for p in others if _scope(p[1]) in NATIONAL and p[1].value.number > part[1].value.number]
        whole = (named or national or [None])[0]
        if whole is None or whole[1].value.number == 0:
            continue
        computed = (part[1].value.number / whole[1].value.number * 100).quantize(Decimal("0.01"))
        printed = f.value.number
        tolerance = _half_unit(f) + Decimal("0.005")
        status = "ok" if abs(computed - printed) <= tolerance else "mismatch"
        desc = (f"{part[1].value.span.text} / {whole[1].value.span.text} = {computed}%; "
                f"stated {f.value.span.text}")
        checks.append(Check("share", status, desc, printed, computed, [part[0], whole[0], i]))
    return checks


def check_article(facts: list[Fact]) -> list[Check]:
    return sum_checks(facts) + share_checks(facts)
