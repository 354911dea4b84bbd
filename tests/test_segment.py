import baozhi
from baozhi.segment import segment

SEED_TITLES = ["上半年软件业收入和利润增速持续回升", "2020年全国工业和信息化主管部门负责同志电视电话会议在京召开",
               "“医疗云”：架起医患之桥"]


def test_seed_page_has_three_articles_with_exact_titles(seed_result):
    assert [a.title.text for a in seed_result.articles] == SEED_TITLES
    first, second, third = seed_result.articles
    assert first.byline.text == "工信部运行监测协调局"
    assert first.source_line.text == "数据来源：工信部运行监测协调局"
    assert [s.text for s in first.sections] == ["总体运行情况", "分领域运行情况", "分地区运行情况"]
    assert second.continued_from.page == 1 and second.continued_from.span.text == "(上接第1版)"
    assert second.byline.text == "(跃文)"
    assert third.continued_from.page == 1 and [s.text for s in third.sections] == ["数据安全掣肘行业发展"]
    original = seed_result.original
    for a in seed_result.articles:
        assert original[a.title.start:a.title.end] == a.title.text
        assert a.start == a.title.start and original[a.end - 1].strip()


PAGE = """新能源装机规模再创新高

本报记者 陈晓

今年以来，各地加快推进新能源项目建设。

装机情况

截至9月底，全国风电装机容量达到4.1亿千瓦。（下转第4版）

城市更新惠及百万居民

（上接第1版）老旧小区改造持续推进。（林川）
"""


def test_bylines_markers_and_sections():
    layouts = segment(PAGE).articles
    assert [lay.title.text for lay in layouts] == ["新能源装机规模再创新高", "城市更新惠及百万居民"]
    first, second = layouts
    assert first.byline.text == "本报记者 陈晓"
    assert [s.text for s in first.sections] == ["装机情况"]
    assert first.continued_to[0] == 4 and first.continued_to[1].text == "（下转第4版）"
    assert second.continued_from[0] == 1 and second.byline.text == "（林川）"


def test_prose_without_headline_is_one_untitled_article():
    layouts = segment("（上接第2版）会议还研究了其他事项。\n").articles
    assert len(layouts) == 1 and layouts[0].title is None and layouts[0].continued_from[0] == 2


def test_empty_page_has_no_articles():
    assert segment("\n \n\n").articles == []


FRONT = """华东日报　2025年3月8日　星期六　第1版　要闻
今日导读
□ 春耕备耕有序推进　第3版
□ 外贸开局平稳　第 5 版

一季度经济开局良好
全省工业生产加快回升
——访省统计局负责人
本报杭州3月7日讯（记者 周　明）
1—2月，全省规模以上工业增加值同比增长6.1%。

图为工人在生产线上作业。
本报记者 王　磊摄

港口货物吞吐量增长
本报讯　1—2月，全省港口完成货物吞吐量2.1亿吨，增长4.2%。

本地短讯
新能源汽车销量增长
2月，全市新能源汽车销量3.2万辆。
电商交易额上升
2月，全市电商交易额增长9%。

本版责编：李　华　　版式设计：陈　晨
新闻热线：0571-88880000
"""


def test_furniture_is_set_aside_and_the_masthead_parsed():
    page = baozhi.load("rules")(FRONT, name="front.txt")
    kinds = [f.kind for f in page.furniture]
    assert kinds == ["masthead", "daodu", "credit", "contact"]
    assert page.furniture[1].span.text.startswith("今日导读") and page.furniture[1].span.text.endswith("版")
    info = page.page
    assert (info.paper, info.date, info.page, info.section) == ("华东日报", "2025-03-08", 1, "要闻")
    for f in page.furniture:
        assert FRONT[f.span.start:f.span.end] == f.span.text
        assert not any(a.start <= f.span.start < a.end for a in page.articles)


def test_headline_groups_datelines_captions_and_briefs():
    page = baozhi.load("rules")(FRONT, name="front.txt")
    first, second, brief = page.articles
    assert first.kicker.text == "一季度经济开局良好" and first.title.text == "全省工业生产加快回升"
    assert first.subtitle.text == "——访省统计局负责人" and first.start == first.kicker.start
    assert first.dateline.text == "本报杭州3月7日讯" and first.byline.text == "（记者 周　明）"
    assert [c.text for c in first.captions] == ["图为工人在生产线上作业。", "本报记者 王　磊摄"]
    assert not any(f.evidence.start >= FRONT.index("图为") for f in first.facts)
    assert second.title.text == "港口货物吞吐量增长" and second.dateline.text == "本报讯"
    assert brief.kind == "brief" and brief.title.text == "本地短讯"
    assert [s.text for s in brief.sections] == ["新能源汽车销量增长", "电商交易额上升"]


def test_a_period_in_the_headline_or_an_earlier_paragraph_governs_later_facts():
    page = baozhi.load("rules")("1—5月服务贸易保持增长\n本报讯　服务进出口总额3.1万亿元，同比增长14%。\n\n其中，出口1.2万亿元，增长12%。\n",
                                name="p.txt")
    facts = page.articles[0].facts
    assert [f.period.text for f in facts] == ["1—5月", "1—5月"]
    assert facts[0].basis.text == "同比" and facts[1].basis is None  # a basis never crosses a sentence end


def test_a_flash_headline_run_into_its_body_is_its_title_not_a_fact_source():
    text = "【浦东：预计全年地区生产总值达1.45万亿元】今日浦东新区发布数据，规模以上工业总产值达1.23万亿元以上。\n"
    page = baozhi.load("rules")(text, name="flash.txt")
    (article,) = page.articles
    assert article.title.text == "【浦东：预计全年地区生产总值达1.45万亿元】"
    assert [f.value.span.text for f in article.facts] == ["1.23万亿元以上"]
