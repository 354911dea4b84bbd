import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baozhi.ingest import normalize_view
from baozhi.repair import repair


def run(text):
    view, repairs = repair(normalize_view(text, simplify=False))
    return view, repairs


def test_mid_word_break_is_joined():
    view, repairs = run("软件业务收入增速持续回\n\n升。上半年，收入增长。\n")
    assert view.text == "软件业务收入增速持续回升。上半年，收入增长。"
    assert [r.kind for r in repairs] == ["join_line"]


def test_break_before_a_number_is_joined():
    view, _ = run("5省市合计软件业务收入占全国比重为\n\n66.1%。\n")
    assert view.text == "5省市合计软件业务收入占全国比重为66.1%。"


def test_number_broken_across_lines():
    view, _ = run("粮食产量达到13\n908万吨。\n")
    assert view.text == "粮食产量达到13908万吨。"


def test_duplicated_unit_at_column_break():
    view, repairs = run("东北地区完成收入1015亿元。\n\n亿元，同比增长1.6%。\n")
    assert view.text == "东北地区完成收入1015亿元，同比增长1.6%。"
    assert repairs[0].kind == "dup_unit" and repairs[0].removed == "。\n\n亿元"
    s, e = view.to_original(view.text.index("1015亿元"), view.text.index("，"))
    assert view.original[s:e] == "1015亿元"


def test_real_paragraph_breaks_and_headings_are_kept():
    text = "分地区运行情况\n\n东、西部地区收入保持较快增长。上半年，增长。\n \n \n会议强调，要加强。\n三是推动发展。\n"
    view, repairs = run(text)
    assert view.text.split("\n") == ["分地区运行情况", "东、西部地区收入保持较快增长。上半年，增长。", "会议强调，要加强。",
                                     "三是推动发展。"]
    assert any(r.kind == "blank_run" for r in repairs)


@settings(deadline=None)  # the first example that reaches a word check loads jieba's dictionary
@given(st.lists(st.sampled_from(["收入增长", "6.7%", "。", "，", "\n", "\n\n", " \n", "亿元", "会议强调", "回", "升",
                                 "三是", "１２"]), max_size=30))
def test_repair_only_deletes(pieces):
    text = "".join(pieces)
    base = normalize_view(text, simplify=False)
    view, repairs = repair(base)
    assert len(view.text) == len(view.index)
    assert view.index == sorted(set(view.index))
    for i, ch in enumerate(view.text):
        assert base.text[base.index.index(view.index[i])] == ch
    for r in repairs:
        assert text[r.start:r.end] == r.removed


def test_byline_before_a_short_first_clause_is_not_joined():
    view, repairs = run("跨境电商助力小商品出海\n\n本报记者 葛晓辉\n\n清晨，市场里已是人来人往。\n")
    assert view.text.split("\n") == ["跨境电商助力小商品出海", "本报记者 葛晓辉", "清晨，市场里已是人来人往。"]


def test_word_split_before_a_comma_is_joined():
    view, _ = run("今年以来全省用电量持续回\n\n升，工业用电增长较快。\n")
    assert view.text == "今年以来全省用电量持续回升，工业用电增长较快。"


@pytest.mark.parametrize("printed, read", [
    ("全国完成2856 亿元，同比增长 9%。", "全国完成2856亿元，同比增长9%。"),
    ("1~5 月，出口8 075亿美元", "1~5月，出口8075亿美元"),
    ("2024 年 1 至 5 月", "2024年1至5月"),
    ("第 6 版", "第6版"),
])
def test_typeset_spaces_are_removed_in_the_view_only(printed, read):
    view, repairs = repair(normalize_view(printed, simplify=False))
    assert view.text == read
    assert all(r.kind == "typeset_space" and r.removed.strip() == "" for r in repairs)
    # offsets still map to the original: each kept character is where it was printed
    assert all(printed[i] == ch for i, ch in zip(view.index, view.text, strict=True))


@pytest.mark.parametrize("text", ["5G 用户", "Q1 2024", "12 34", "每年 一次"])
def test_spaces_between_words_stay(text):
    view, _ = repair(normalize_view(text, simplify=False))
    assert view.text == text


@given(st.text(alphabet="0123456789 亿元增长%~", max_size=40))
def test_typeset_repair_keeps_every_non_space_character(text):
    view, _ = repair(normalize_view(text, simplify=False))
    assert view.text.replace(" ", "") == text.strip().replace(" ", "")


@pytest.mark.parametrize("heading, body", [("行业总体运行平稳", "业务收入保持两位数增长。前三季度，收入增长。"),
                                           ("电信业务收入稳步增长", "上半年，电信业务收入累计完成8989.7亿元。")])
def test_a_heading_stays_apart_from_the_paragraph_under_it(heading, body):
    view, _ = run(f"{heading}\n\n{body}\n")
    assert view.text.split("\n")[0] == heading


@pytest.mark.parametrize("broken, joined", [
    ("上\n半年，出口增长。\n", "上半年，出口增长。"),  # a one-character line: jieba cuts 上半年 across the break
    ("外商投资企业进\n出口增长。\n", "外商投资企业进出口增长。"),
    ("每公斤2\n8.\n45元。\n", "每公斤28.45元。"),
    ("同比增长3.2%（上年\n同期为增长6.8%）。\n", "同比增长3.2%（上年同期为增长6.8%）。"),
    ("1\n—5月，出口增长。\n", "1—5月，出口增长。"),
])
def test_column_breaks_inside_words_and_numbers_are_joined(broken, joined):
    assert run(broken)[0].text == joined


@pytest.mark.parametrize("page", [
    "外贸稳中向好\n本报记者 顾文涛\n上半年，出口增长。\n",
    "5G网络覆盖持续扩大\n本报讯 截至10月末，基站增加。\n",
    "短讯\n江苏秋粮收购量超300亿斤\n截至12月，收购增加。\n",
])
def test_headlines_bylines_and_datelines_keep_their_lines(page):
    assert run(page)[0].text.count("\n") == page.count("\n") - 1
