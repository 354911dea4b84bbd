import copy

import pytest
from conftest import GOLD, SEED

from baozhi.evaluate import evaluate, gold_items, pk

TEXT = "标题一\n正文甲。\n正文乙。\n标题二\n正文丙。\n"


def _span(text, s, e):
    return {"start": s, "end": e, "text": text[s:e]}


def _gold():
    fact = {"metric": _span(TEXT, 4, 5), "metric_name": "正文", "value": {**_span(TEXT, 5, 6), "number": "10",
            "unit": "元"}, "change": None, "basis": None, "period": None, "scope": None}
    return {
        "articles": [{"start": 0, "end": 13, "title": _span(TEXT, 0, 3)}, {"start": 14, "end": 22, "title": _span(TEXT, 14, 17)}],
        "facts": [fact],
        "directives": [{**_span(TEXT, 18, 22), "actions": []}],
        "entities": [{**_span(TEXT, 4, 6), "label": "ORG"}],
    }


def _as_prediction(gold):
    arts = [{"title": a["title"]["text"], "title_span": a["title"], "start": a["start"], "end": a["end"],
             "facts": [], "directives": [], "entities": []} for a in gold["articles"]]
    arts[0]["facts"] = copy.deepcopy(gold["facts"])
    arts[0]["directives"] = copy.deepcopy(gold["directives"])
    arts[0]["entities"] = copy.deepcopy(gold["entities"])
    return {"articles": arts}


def test_gold_against_itself_is_perfect():
    gold = _gold()
    d = evaluate([("p", TEXT, gold, _as_prediction(gold))]).as_dict()
    assert d["facts_strict"]["f1"] == d["facts_lenient"]["f1"] == d["directives"]["f1"] == d["articles"]["f1"] == 1.0
    assert d["entities"]["ORG"]["f1-score"] == 1.0 and d["pk"] == 0.0


def test_wrong_number_fails_strict_and_lenient_but_shifted_span_is_lenient():
    gold = _gold()
    pred = _as_prediction(gold)
    pred["articles"][0]["facts"][0]["value"]["number"] = 11
    d = evaluate([("p", TEXT, gold, pred)]).as_dict()
    assert d["facts_strict"]["f1"] == d["facts_lenient"]["f1"] == 0.0
    pred = _as_prediction(gold)
    pred["articles"][0]["facts"][0]["metric"] = _span(TEXT, 4, 6)
    d = evaluate([("p", TEXT, gold, pred)]).as_dict()
    assert d["facts_strict"]["f1"] == 0.0 and d["facts_lenient"]["f1"] == 1.0


def test_missing_article_boundary_and_pk_baselines():
    gold = _gold()
    pred = _as_prediction(gold)
    pred["articles"] = [dict(pred["articles"][0], end=22)]
    report = evaluate([("p", TEXT, gold, pred)])
    d = report.as_dict()
    assert d["articles"]["r"] == 0.5 and d["articles"]["p"] == 1.0
    assert d["pk"] > 0 and d["pk_no_boundary"] == d["pk"]
    assert "| facts (strict) |" in report.markdown()


def test_pk():
    assert pk([0, 0, 1, 1], [0, 0, 1, 1], 1) == 0
    assert pk([0, 0, 1, 1], [0, 0, 0, 0], 1) == pytest.approx(1 / 3)


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seed is not present")
@pytest.mark.skipif(not (GOLD / "000_f03d3bce41067f28.json").exists(), reason="seed gold not written")
def test_seed_page_targets(extractor):
    class Args:
        segmenter, pkuseg_model, split = "jieba", None, None
        extractor, model, quantize, triage = "rules", None, False, "sentence"

    items = gold_items([str(GOLD / "000_f03d3bce41067f28.json")], None, Args())
    d = evaluate(items).as_dict()
    assert d["articles"]["f1"] == 1.0
    assert d["facts_lenient"]["f1"] >= 0.95
    assert d["facts_strict"]["f1"] >= 0.90
    assert d["directives"]["f1"] >= 0.90


def test_news_items_are_scored_as_pages_without_layout(tmp_path, extractor):
    import hashlib
    import json

    from baozhi.evaluate import evaluate, gold_items

    text = "康跃科技公告，公司上半年实现净利润1.2亿元，同比增长15%。"
    corpus = tmp_path / "finna" / "problem_list.json"
    corpus.parent.mkdir()
    corpus.write_text(json.dumps([{"id": 0, "input": "无关。"}, {"id": 1, "input": text}], ensure_ascii=False))

    def span(s, after=0):
        start = text.index(s, after)
        return {"start": start, "end": start + len(s), "text": s}

    value = {**span("1.2亿元"), "number": "120000000", "unit": "元", "approx": None, "low": None, "high": None}
    change = {**span("增长15%"), "number": "15", "unit": "%", "of": "level"}
    fact = {"metric": span("净利润"), "metric_name": "净利润", "value": value, "change": change,
            "basis": span("同比"), "basis_class": "yoy", "period": span("上半年"), "period_norm": "上半年",
            "scope": span("康跃科技"), "scope_name": "康跃科技", "scope_kind": "company", "modality": "actual"}
    item = {"item": 1, "field": "input", "sha256": hashlib.sha256(text.encode()).hexdigest(), "headline": None,
            "facts": [fact], "directives": [], "entities": [{**span("康跃科技"), "label": "ORG"}]}
    gold = tmp_path / "news.json"
    gold.write_text(json.dumps({"format": 2, "kind": "news", "corpus": "fincuge", "file": "finna/problem_list.json",
                                "path": str(corpus), "split": "test", "items": [item]}, ensure_ascii=False))
    items = gold_items([str(gold)], None, extractor=extractor)
    assert [(name, t) for name, t, _, _ in items] == [("finna/problem_list.json#1", text)]
    scores = evaluate(items).as_dict()
    assert scores["facts_lenient"]["f1"] > 0  # the rules find the profit figure
    articles = evaluate(items).totals()["articles"]
    assert (articles.gold, articles.pred) == (0, 0)


def test_perturbation_table_from_one_command(tmp_path):
    import json

    from baozhi.cli import main

    out = tmp_path / "robust.json"
    assert main(["evaluate", "--gold", str(GOLD / "software_2023q3.json"), "--extractor", "rules", "--perturb",
                 "masthead", "full_width", "--json", "-o", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["perturbation"] for r in rows] == ["clean", "masthead", "full_width"]
    assert rows[0]["d_facts_strict"] == 0 and all(0 <= r["facts_strict"] <= 1 for r in rows)
    assert main(["evaluate", "--gold", str(GOLD / "software_2023q3.json"), "--extractor", "rules",
                 "--perturb", "shuffle"]) == 2
