import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baozhi.lexicon import MULTIPLIERS
from baozhi.numbers import QUANTITY, chinese_to_int, parse_quantity


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
