import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baozhi.lexicon import MULTIPLIERS
from baozhi.numbers import QUANTITY, chinese_to_int, normalize_period, parse_quantity


def parse(text):
    m = QUANTITY.search(text)
    assert m, text
    return parse_quantity(m)


@pytest.mark.parametrize(
    "text,number,unit,approx",
    [
        ("35609亿元", "3560900000000", "元", None),
        ("16.4亿元", "1640000000", "元", None),
        ("223亿美元", "22300000000", "美元", None),
        ("673万人", "6730000", "人", None),
        ("27.0%", "27.0", "%", None),
        ("8.3个百分点", "8.3", "百分点", None),
        ("约1.2万亿元", "1200000000000", "元", "约"),
        ("近300万户", "3000000", "户", "近"),
        ("超过60万个", "600000", "个", "超过"),
        ("三成", "30", "%", None),
        ("1,234.5万吨", "12345000", "吨", None),
        ("8.5亿千瓦时", "850000000", "千瓦时", None),
        ("100亿元左右", "10000000000", "元", "左右"),
    ],
)
def test_parse_quantity(text, number, unit, approx):
    q = parse(text)
    assert q.number == Decimal(number)
    assert q.unit == unit
    assert q.approx == approx


def test_ranges_keep_low_and_high():
    q = parse("3至5个百分点")
    assert (q.low, q.high, q.unit) == (Decimal(3), Decimal(5), "百分点")
    q = parse("5%—8%")
    assert (q.low, q.high, q.unit) == (Decimal(5), Decimal(8), "%")


@pytest.mark.parametrize("text,value", [("十五", 15), ("一百二十三", 123), ("两千", 2000), ("三", 3), ("十", 10)])
def test_chinese_numerals(text, value):
    assert chinese_to_int(text) == value


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999"), places=2, allow_nan=False),
    st.sampled_from(sorted(MULTIPLIERS)),
    st.sampled_from(["元", "美元", "吨", "人", "户"]),
)
def test_multiplier_arithmetic_is_exact(value, mult, unit):
    text = f"{value}{mult}{unit}"
    q = parse(text)
    assert q.number == value * MULTIPLIERS[mult]
    assert q.unit == unit
    assert QUANTITY.search(text).group(0) == text


@given(st.text(alphabet="0123456789.亿万元%个百分点年月日第版前名", max_size=20))
def test_parser_never_crashes(text):
    for m in QUANTITY.finditer(text):
        q = parse_quantity(m)
        assert isinstance(q.number, Decimal)
        assert re.fullmatch(r"-?\d+(\.\d+)?(E[+-]?\d+)?", str(q.number))


@pytest.mark.parametrize(
    "printed,norm",
    [
        ("1—5月份", "2024年1-5月"), ("3月至5月", "2024年3-5月"), ("6月当月", "2024年6月"), ("第3季", "2024年三季度"),
        ("11月1—10日", "2024年11月1日-10日"), ("4月15日至5月5日", "2024年4月15日-5月5日"), ("去年", "2023年"),
        ("上半年", "2024年上半年"),
    ],
)
def test_periods_normalize_to_one_form(printed, norm):
    assert normalize_period(printed, 2024) == norm


@given(st.integers(1, 11), st.integers(0, 11), st.sampled_from(["—", "-", "~", "～", "至", "到"]), st.booleans())
def test_every_month_range_normalizes_whatever_its_dash(first, extra, dash, month_on_both):
    last = min(12, first + extra + 1)
    printed = f"{first}{'月' if month_on_both else ''}{dash}{last}月"
    assert normalize_period(printed, 2023) == f"2023年{first}-{last}月"
    assert normalize_period(printed, None) == f"{first}-{last}月"
