"""Exact parsing of printed quantities (`35609亿元`, `约1.2万亿元`, `三成`, `3至5个百分点`).

Everything is `Decimal`: 16.4亿 is 1640000000 exactly, never 1639999999.9999998.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .lexicon import (
    APPROX_AFTER,
    APPROX_BEFORE,
    BASE_UNITS,
    CHINESE_DIGITS,
    CHINESE_UNITS,
    MULTIPLIERS,
    PERCENT_UNITS,
    alternation,
)

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CN_NUM = "零〇一二两三四五六七八九十百千"


MULT_RE = alternation(MULTIPLIERS)
UNIT_RE = alternation(BASE_UNITS + list(PERCENT_UNITS))
_RANGE_SEP = r"(?:至|到|-|—|–|~|～)"

# A quantity never starts inside a number: without the look-behind, a run of n digits is re-scanned from
# each of its n positions (quadratic time on a long digit run).
QUANTITY = re.compile(
    rf"(?P<each>每(?:公斤|千克|斤|吨|平方米|平方呎|立方米|人|股|户|头|亩|桶))?(?:人民币)?(?P<before>{alternation(APPROX_BEFORE)})?"
    rf"(?<![\d.])(?P<low>{NUM})(?:(?P<mult1>{MULT_RE})?(?P<unit1>{UNIT_RE})?{_RANGE_SEP}(?P<high>{NUM}))?"
    rf"(?P<after0>多|余)?(?P<mult>{MULT_RE})?(?P<after1>多|余)?(?P<unit>{UNIT_RE})(?P<per>/(?:吨|公斤|千克|斤|平方米|平方呎|立方米|人|户|股|头|亩|桶|盎司|千瓦时|辆|箱|件|年|月|天))?(?:人民币| ?新台币)?(?P<after>{alternation(APPROX_AFTER)})?"
    rf"|(?P<cnbefore>{alternation(APPROX_BEFORE)})?(?P<cn>[一二两三四五六七八九十])成(?P<cnafter>多|左右|以上)?"
)


@dataclass
class Quantity:
    number: Decimal
    unit: str
    approx: str | None
    low: Decimal | None
    high: Decimal | None
    multiplier: Decimal


def chinese_to_int(text: str) -> int:
    """一百二十三 → 123, 十五 → 15, 两千 → 2000 (up to the thousands)."""
    total, digit = 0, 0
    for ch in text:
        if ch in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[ch]
        elif ch in CHINESE_UNITS:
            total += (digit or 1) * CHINESE_UNITS[ch]
            digit = 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + digit


def to_decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def normalise_unit(unit: str) -> str:
    return PERCENT_UNITS.get(unit, unit)


def parse_quantity(match: re.Match) -> Quantity:
    """Turn a `QUANTITY` match into base units; percentages and 百分点 keep their value."""
    if match.group("cn"):
        n = Decimal(CHINESE_DIGITS.get(match.group("cn"), 10)) * 10
        return Quantity(n, "%", match.group("cnbefore") or match.group("cnafter"), None, None, Decimal(1))
    unit = normalise_unit(match.group("unit")) + (match.group("per") or "")  # 383元/吨: a price per unit
    if match.group("each") and not match.group("per"):
        unit += "/" + match.group("each")[1:]  # 每公斤28.45元: 元/公斤
    mult = MULTIPLIERS.get(match.group("mult") or "", Decimal(1))
    low = to_decimal(match.group("low")) * mult
    high = None
    if match.group("high"):
        low_mult = MULTIPLIERS.get(match.group("mult1") or "", mult)
        low = to_decimal(match.group("low")) * low_mult
        high = to_decimal(match.group("high")) * mult
    approx = match.group("before") or match.group("after0") or match.group("after1") or match.group("after")
    number = _clean(low)
    return Quantity(number, unit, approx, number if high is not None else None,
                    _clean(high) if high is not None else None, mult)


def _clean(value: Decimal) -> Decimal:
    """Drop exponent artefacts of multiplication (1.2 × 10¹² → 1200000000000)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def number_to_json(value: Decimal | None) -> int | float | None:
    """Exact decimal → JSON number (int when integral; the shortest float repr otherwise)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


_SEASONS = {"第一季度": "一季度", "第二季度": "二季度", "第三季度": "三季度", "第四季度": "四季度"}
_YEAR_WORD = {"今年": 0, "本年": 0, "全年": 0, "年内": 0, "今年以来": 0, "去年": -1, "上年": -1, "上一年": -1, "前一年": -1}
_PERIOD_PARTS = re.compile(
    r"^(?:截至|截止到?|到)?(?:(?P<y>\d{4}|[〇零一二三四五六七八九]{4})年|(?P<yw>今年以来|今年|本年|去年|上一年|上年|前一年))?"
    r"(?P<rest>.*)$")


def normalize_period(text: str, year: int | None) -> str | None:
    """A printed period in canonical form (`1—5月份` with year 2024 → `2024年1-5月`); relative years
    resolve against `year` (the article's), and with no year known the year is left out."""
    t = re.sub(r"\s|份", "", text)
    m = _PERIOD_PARTS.match(t)
    if not m:
        return None
    rest = m["rest"]
    if m["y"]:
        y = int(m["y"]) if m["y"].isdigit() else int("".join(str(CHINESE_DIGITS[c]) for c in m["y"]))
    elif m["yw"]:
        y = year + _YEAR_WORD[m["yw"]] if year else None
    else:
        y = year
    if rest in ("全年", "年内", "今年以来", ""):
        rest = ""
    elif rest in ("年末", "年底", "末", "底"):
        rest = "末"
    rest = re.sub(r"^第?([1-4])季度?$", lambda q: "一二三四"[int(q[1]) - 1] + "季度", rest)  # Taiwan `第3季`
    rest = _SEASONS.get(rest, rest)
    rest = re.sub(r"^前(\d{1,2})个?月$", r"1-\1月", rest)
    rest = re.sub(r"^(\d{1,2})月?[—\-–~～至到](\d{1,2})月(?:当月)?$", r"\1-\2月", rest)
    rest = re.sub(r"^(\d{1,2})月当月$", r"\1月", rest)
    rest = re.sub(r"(\d{1,2})日?[—\-–~～至到]((?:\d{1,2}月)?\d{1,2}日)$", r"\1日-\2", rest)  # day ranges
    rest = re.sub(r"(\d{1,2})月底$", r"\1月末", rest)
    if not re.fullmatch(r"(?:上半年|下半年|前三季度|[一二三四]季度|前[一二三]季度|\d{1,2}(?:-\d{1,2})?月(?:末|初)?"
                        r"|\d{1,2}月\d{1,2}日(?:-(?:\d{1,2}月)?\d{1,2}日)?|末)?", rest):
        return None
    if y is None:
        return rest or None
    return f"{y}年{rest}"
