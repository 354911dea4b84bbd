"""Fact semantics on sentences written for the tests (not page-specific strings)."""

from decimal import Decimal

import pytest
from conftest import extract_text, facts_of

import baozhi


def facts(extractor, body: str, title: str = "某行业运行情况"):
    return facts_of(extract_text(extractor, f"{title}\n\n{body}\n"))


def change(f):
    return (f.change.number, f.change.unit, f.change.of) if f.change else None


def test_value_with_change_and_rate_changes(extractor):
    fs = facts(extractor, "前三季度，全国电子信息制造业实现营业收入12345亿元，同比增长4.2%，增速较去年同期回落3.1个百分点，"
                          "较上半年提高0.8个百分点。")
    assert len(fs) == 3
    first, second, third = fs
    assert first.metric.text == "营业收入" and first.value.number == Decimal("1234500000000")
    assert first.value.unit == "元" and change(first) == (Decimal("4.2"), "%", "level")
    assert first.basis.text == "同比" and first.period.text == "前三季度" and first.scope.text == "全国"
    assert second.metric.text == "增速" and change(second) == (Decimal("-3.1"), "百分点", "rate")
    assert second.basis.text == "较去年同期"
    assert change(third) == (Decimal("0.8"), "百分点", "rate") and third.metric.text == "增速"


@pytest.mark.parametrize(
    "sentence,number",
    [
        ("上半年，某市进口额同比下降3.0%，降幅较一季度收窄2.5个百分点。", Decimal("2.5")),
        ("上半年，某市进口额同比下降3.0%，降幅较一季度扩大2.5个百分点。", Decimal("-2.5")),
        ("上半年，某市出口额同比增长3.0%，增幅较一季度收窄2.5个百分点。", Decimal("-2.5")),
        ("上半年，某市出口额同比增长3.0%，增幅较一季度扩大2.5个百分点。", Decimal("2.5")),
    ],
)
def test_sign_of_rate_changes(extractor, sentence, number):
    fs = facts(extractor, sentence)
    assert change(fs[-1]) == (number, "百分点", "rate")


def test_flat_is_zero(extractor):
    fs = facts(extractor, "10月份，规模以上工业增加值环比持平。")
    assert len(fs) == 1 and fs[0].change.number == 0 and fs[0].basis.text == "环比"


def test_enumeration_pairs_one_to_one(extractor):
    fs = facts(extractor, "上半年，四川、湖北、陕西和重庆软件业务收入分别增长7.5%、6.1%、9.0%和4.4%。")
    assert [(f.scope.text, f.change.number) for f in fs] == [
        ("四川", Decimal("7.5")), ("湖北", Decimal("6.1")), ("陕西", Decimal("9.0")), ("重庆", Decimal("4.4"))]
    assert {f.metric.text for f in fs} == {"软件业务收入"}


def test_shares(extractor):
    fs = facts(extractor, "上半年，集成电路产业实现销售收入2400亿元，占全省电子信息产业收入的比重为30.5%。")
    share = fs[-1]
    assert share.metric.text == "占全省电子信息产业收入的比重"
    assert share.metric_name == "集成电路产业销售收入占比"
    assert share.value.number == Decimal("30.5") and share.value.unit == "%"


def test_share_change_is_of_level(extractor):
    fs = facts(extractor, "全年，新能源汽车销量占汽车总销量比重为31.6%，比上年提高5.9个百分点。")
    assert change(fs[-1]) == (Decimal("5.9"), "百分点", "level")


@pytest.mark.parametrize(
    "sentence",
    [
        "2023年5月12日，第三届数字经济大会在杭州开幕。",
        "加快5G网络建设，实施“512工程”，编制“十四五”规划。",
        "全国15个副省级中心城市负责同志参加会议。",
        "详见第1版报道，收入居前5名的省份名单已公布。",
    ],
)
def test_non_statistics_produce_no_fact(extractor, sentence):
    assert facts(extractor, sentence) == []


def test_approximate_values_and_chinese_shares(extractor):
    fs = facts(extractor, "今年以来，全市新增就业约12.6万人，其中高校毕业生占三成左右。")
    assert fs[0].value.number == Decimal("126000") and fs[0].value.approx == "约"
    assert fs[1].value.number == Decimal("30") and fs[1].value.unit == "%"


def test_full_width_and_traditional_pages(extractor):
    fs = facts(extractor, "上半年，全國軟件業務收入３５６０９億元，同比增長６．７％。", title="軟件業運行情況")
    assert fs[0].value.number == Decimal("3560900000000")
    assert fs[0].value.span.text == "３５６０９億元"
    assert fs[0].metric_name == "软件业务收入"


def test_seed_page_semantics(seed_result):
    fs = facts_of(seed_result)
    by_change = {(f.metric.text, f.change.span.text): f for f in fs if f.change}
    rate = by_change[("增速", "回落8.3个百分点")]
    assert (rate.change.number, rate.change.unit, rate.change.of) == (Decimal("-8.3"), "百分点", "rate")
    narrowed = next(f for f in fs if f.change and f.change.span.text == "收窄12.8个百分点")
    assert narrowed.change.number == Decimal("12.8") and narrowed.change.of == "rate"
    total = next(f for f in fs if f.value and f.value.span.text == "35609亿元")
    assert total.value.number == Decimal("3560900000000") and total.value.unit == "元"
    ne = next(f for f in fs if f.value and f.value.span.text == "1015亿元")
    assert ne.change.number == Decimal("1.6") and ne.scope.text == "东北地区"
    provinces = [f.scope.text for f in fs if f.change and f.scope and f.scope.text in ("广东", "北京", "江苏", "浙江", "山东")]
    assert provinces == ["广东", "北京", "江苏", "浙江", "山东"]


def test_value_and_change_in_one_clause(extractor):
    fs = facts(extractor, "前三季度，全市实现旅游收入328.6亿元增长12.4%。")
    assert len(fs) == 1
    assert fs[0].value.number == Decimal("32860000000") and fs[0].change.number == Decimal("12.4")


def test_market_moves_and_no_flat_inside_words(extractor):
    fs = facts(extractor, "收盘时，沪指涨0.26%，深成指跌0.52%，两市成交保持平稳。")
    assert [(f.metric.text, str(f.change.number)) for f in fs] == [("沪指", "0.26"), ("深成指", "-0.52")]


def test_a_basis_carries_to_the_end_of_its_sentence_and_no_further():
    page = baozhi.load("rules")("外贸\n本报讯　上半年，出口1.2万亿元，同比增长12%；进口0.9万亿元，增长15%。进口额增长3%。\n",
                                name="p.txt")
    bases = [f.basis.text if f.basis else None for f in page.articles[0].facts]
    assert bases == ["同比", "同比", None]


def test_a_list_of_changes_completes_the_list_of_values_before_it():
    page = baozhi.load("rules")("汽车\n本报讯　10月，乘用车、商用车产量分别为262.8万辆和41.2万辆，同比分别增长5.6%和下降3.1%。\n",
                                name="p.txt")
    facts = page.articles[0].facts
    assert [(str(f.value.number), f.change.span.text if f.change else None) for f in facts] == [
        ("2628000", "增长5.6%"), ("412000", "下降3.1%")]
    assert all(f.basis is not None and f.basis.text == "同比" for f in facts)


def test_prices_per_unit_keep_their_unit():
    facts = baozhi.load("rules")("价格\n本报讯　6月份，水泥平均成交价为383元/吨，猪肉价格为每公斤28.45元。\n",
                                 name="p.txt").articles[0].facts
    assert [(f.value.span.text, f.value.unit) for f in facts] == [("383元/吨", "元/吨"), ("每公斤28.45元", "元/公斤")]


@pytest.mark.parametrize("body, unit", [
    ("外资企业出口占比为31.5%，与上年持平。", "百分点"),  # flat, of a figure printed in %
    ("全省空气质量优良天数比率为88.2%，与上月持平。", "百分点"),
    ("全区完成货物运输量3.6亿吨，与上年持平。", "%"),  # flat, of an amount: a growth rate of 0 %
])
def test_a_flat_change_moves_in_the_unit_of_what_it_holds(extractor, body, unit):
    (fact,) = facts(extractor, body)
    assert fact.change.number == 0 and fact.change.unit == unit and fact.change.of == "level"


def test_a_listed_firm_and_its_brand_are_the_scope(extractor):
    fs = facts(extractor, "星澜半导体（688321）昨日公布年报。星澜半导体全年营业收入86.5亿元，同比增长12.0%。\n\n"
                          "星澜表示，第四季度毛利率为41.2%。", title="星澜半导体营收增长")
    assert [f.scope.text for f in fs] == ["星澜半导体", "星澜"]
    assert {f.scope_kind for f in fs} == {"company"}


def test_an_industry_or_a_place_with_an_industry_word_is_no_firm(extractor):
    fs = facts(extractor, "上半年，全国冷链物流总额2.9万亿元，同比增长4.1%。浙江省通信业务收入120亿元。")
    assert [f.metric.text for f in fs] == ["冷链物流总额", "冷链物流总额", "通信业务收入"] or \
        [f.metric_name for f in fs][0] == "冷链物流总额"
    assert all(f.scope_kind != "company" for f in fs)


def test_a_firm_named_inside_a_clause_scopes_its_sentence_only(extractor):
    fs = facts(extractor, "上半年共有20家企业上市，其中最大的新股为岚帆科技，集资约12.5亿港元。"
                          "全年新股集资额预计为500亿港元。")
    by_value = {f.value.span.text: f for f in fs if f.value}
    assert by_value["约12.5亿港元"].scope.text == "岚帆科技"
    assert by_value["500亿港元"].scope is None


def test_metric_names_keep_their_digits(extractor):
    fs = facts(extractor, "5月，28种重点监测蔬菜平均批发价格为每公斤4.82元。5年期以上LPR为3.95%。")
    assert [f.metric.text for f in fs] == ["28种重点监测蔬菜平均批发价格", "5年期以上LPR"]


@pytest.mark.parametrize("basis", ["较上周末", "较2022年同期", "比2021年1—6月份", "较去年12月"])
def test_a_basis_keeps_its_whole_period(extractor, basis):
    (f,) = facts(extractor, f"某基金份额为120亿份，{basis}增长3.5%。")
    assert f.basis.text == basis


def test_a_basis_alone_in_its_clause_governs_the_next_change(extractor):
    fs = facts(extractor, "上月某省电子产品订单金额为52亿元，与去年同期相比，增加6.2%。")
    assert [f.basis.text for f in fs] == ["与去年同期相比"]


def test_reporting_words_stay_out_of_a_metric_name(extractor):
    fs = facts(extractor, "晨岚电子（300999）昨日公布，预估5月出口为80亿元；同日公布4月合并营收为65亿元。")
    assert [f.metric_name for f in fs] == ["出口", "合并营收"]


def test_a_listed_metric_shares_the_head_its_last_item_prints(extractor):
    fs = facts(extractor, "上半年，全国精炼锌、原铝产量分别为320万吨和2100万吨，同比分别增长3.1%和5.2%。")
    assert [f.metric_name for f in fs] == ["精炼锌产量", "原铝产量"]
    assert {f.metric.text for f in fs} == {"精炼锌、原铝产量"}
    assert [change(f)[0] for f in fs] == [Decimal("3.1"), Decimal("5.2")]


def test_a_period_inside_the_clause_governs_its_figures(extractor):
    fs = facts(extractor, "上半年，某市进出口额为300亿元。封测厂岚峰电子7月营收为36.7亿元，年增9.1%。"
                          "工业生产者出厂价格同比由上月下降0.3%转为上涨0.9%。")
    periods = [f.period.text for f in fs]
    assert periods[:2] == ["上半年", "7月"] and "上月" not in periods  # `由上月下降…`: a prior figure's month


def test_a_group_that_does_the_measuring_is_the_scope(extractor):
    fs = facts(extractor, "上半年，规上纺织工业企业实现利润总额820亿元，同比增长5.1%。A股总市值为80.2万亿元。")
    assert [(f.scope.text, f.metric.text, f.scope_kind) for f in fs] == [
        ("规上纺织工业企业", "利润总额", "group"), ("A股", "总市值", "market")]


def test_a_trading_partner_or_a_counted_region_is_the_scope(extractor):
    fs = facts(extractor, "前三季度，我国对东盟出口2.1万亿元，增长9.0%；与欧盟贸易总值为3.8万亿元。"
                          "四省区粮食产量为2000万吨。中南和西南地区水泥产量为5亿吨。")
    assert [(f.scope.text, f.metric.text) for f in fs] == [
        ("东盟", "出口"), ("欧盟", "贸易总值"), ("四省区", "粮食产量"), ("中南和西南地区", "水泥产量")]


def test_adverbs_and_trailing_words_stay_out_of_the_metric(extractor):
    fs = facts(extractor, "目前，全省已储备早稻种子4.6万吨。上半年，社会消费品零售总额两年平均增长4.4%。"
                          "预计全年商用车销量在380万辆至390万辆。")
    assert [f.metric.text for f in fs] == ["储备早稻种子", "社会消费品零售总额", "商用车销量"]
    assert fs[1].basis.text == "两年平均" and fs[1].basis_class == "two_year_avg"


def test_groups_facilities_and_registered_names_are_whole_scopes(extractor):
    fs = facts(extractor, "二季度末，大型商业银行本外币资产总额为200万亿元。1—8月，宁波舟山港集装箱吞吐量为2600万标准箱。"
                          "浙江恒远精密机械有限公司实现营业收入12亿元。")
    assert [f.scope.text for f in fs] == ["大型商业银行", "宁波舟山港", "浙江恒远精密机械有限公司"]


def test_gross_domestic_product_is_a_metric_not_a_domestic_scope(extractor):
    (f,) = facts(extractor, "上半年国内生产总值增长5.0%。")
    assert f.metric.text == "国内生产总值" and f.scope is None


@pytest.mark.parametrize("body,number,unit", [
    ("某港口完成集装箱吞吐量2970万标箱。", Decimal("29700000"), "标箱"),
    ("某指数收报787.21点。", Decimal("787.21"), "点"),
    ("某企业动力电池装车量为98.6GWh。", Decimal("98.6"), "GWh"),
])
def test_counts_in_trade_and_market_units(extractor, body, number, unit):
    (f,) = facts(extractor, body)
    assert (f.value.number, f.value.unit) == (number, unit)


def test_market_moves_up_and_down(extractor):
    fs = facts(extractor, "10年期国债收益率下行2.6个基点。恒生指数升102.68点。")
    assert [change(f) for f in fs] == [(Decimal("-2.6"), "基点", "level"), (Decimal("102.68"), "点", "level")]


def test_former_and_latter_complete_the_listed_values(extractor):
    fs = facts(extractor, "上半年，甲类和乙类企业营业收入分别为11.6亿元和6.2亿元，前者同比增长11.2%，后者增长0.7%。")
    assert [change(f)[0] for f in fs] == [Decimal("11.2"), Decimal("0.7")]
    assert [f.basis.text for f in fs] == ["同比", "同比"]
