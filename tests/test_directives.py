from conftest import extract_text


def directives(extractor, body):
    return [d for a in extract_text(extractor, "全省工作会议召开\n\n" + body).articles for d in a.directives]


def test_seed_directives(seed_result):
    meeting = seed_result.articles[1]
    ds = meeting.directives
    assert [d.ordinal for d in ds[:5]] == [2, 3, 4, 5, 6]
    assert ds[0].span.text.startswith("加快发展新型消费业态") and ds[0].cue is None
    assert ds[1].core.text == "全力保持产业链供应链稳定"
    assert ("强化", "要素保障") in [(a.verb.text, a.object.text) for a in ds[1].actions]
    cued = [d for d in ds if d.ordinal is None]
    assert [d.cue for d in cued] == ["会议强调", "会议要求", "会议指出", "会议强调"]
    assert all(d.issuer == "会议" for d in cued) and cued[-1].addressee == "全系统"
    assert seed_result.articles[2].directives == []  # 一是/二是 there are reasons, not directives
    assert seed_result.articles[0].directives == []


def test_enumerated_and_sequenced_items(extractor):
    ds = directives(extractor, "会议部署了下一步工作。一是稳定工业增长，落实减税降费政策。二是推动产业升级。\n"
                               "首先，要完善服务体系。其次，必须压实安全责任。\n")
    assert [(d.ordinal, d.cue, d.core.text) for d in ds] == [
        (1, "一是", "稳定工业增长"), (2, "二是", "推动产业升级"), (1, "首先", "完善服务体系"), (2, "其次", "压实安全责任")]
    assert ("落实", "减税降费政策") in [(a.verb.text, a.object.text) for a in ds[0].actions]


def test_statements_without_action_are_not_directives(extractor):
    assert directives(extractor, "专家认为，原因有两个：一是数据标准不统一；二是资金投入不足。\n会议指出，当前形势总体平稳。\n") == []
