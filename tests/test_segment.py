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
    layouts = segment(PAGE)
    assert [lay.title.text for lay in layouts] == ["新能源装机规模再创新高", "城市更新惠及百万居民"]
    first, second = layouts
    assert first.byline.text == "本报记者 陈晓"
    assert [s.text for s in first.sections] == ["装机情况"]
    assert first.continued_to[0] == 4 and first.continued_to[1].text == "（下转第4版）"
    assert second.continued_from[0] == 1 and second.byline.text == "（林川）"


def test_prose_without_headline_is_one_untitled_article():
    layouts = segment("（上接第2版）会议还研究了其他事项。\n")
    assert len(layouts) == 1 and layouts[0].title is None and layouts[0].continued_from[0] == 2


def test_empty_page_has_no_articles():
    assert segment("\n \n\n") == []
