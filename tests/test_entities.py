from baozhi.extract.entities import _shape_tag, _tagged_words, find_entities


def labelled(text):
    return [(text[s:e], label) for s, e, label in find_entities(text)]


def test_people_places_organisations():
    got = labelled("浙江大学教授李明华表示，杭州将与阿里巴巴集团合作。")
    assert ("李明华", "PER") in got
    assert ("杭州", "LOC") in got
    assert ("阿里巴巴集团", "ORG") in got


def test_titles_of_publications_are_not_entities():
    assert labelled("他在接受《中国青年报》采访时说") == []


def test_seed_entities(seed_result):
    ents = {(e.span.text, e.label) for a in seed_result.articles for e in a.entities}
    for expected in [("工信部运行监测协调局", "ORG"), ("广东", "LOC"), ("习近平", "PER"), ("国务院", "ORG"),
                     ("戴魁戎", "PER"), ("董家鸿", "PER"), ("CNCERT", "ORG")]:
        assert expected in ents
    assert not any(text in ("城市", "大省") for text, _ in ents)


def test_unknown_words_are_tagged_by_shape():
    # jieba's HMM joins a name its dictionary lacks; the name is tagged by its surname
    words = dict(_tagged_words("主任孙宇琪说，5G用户增长"))
    assert words["孙宇琪"] == "nr" and words["5G"] == "eng" and words["增长"] == "v"  # dictionary tags stay
    assert [_shape_tag(w) for w in ("2024", "ABC", "孙宇琪", "晟骅科创", "，")] == ["m", "eng", "nr", "n", "x"]
    assert ("孙宇琪", "PER") in labelled("主任孙宇琪说，5G用户增长")
