import copy

import pytest
from conftest import GOLD, SEED

from pipeline.cli import gold_items
from pipeline.evaluate import evaluate, pk

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
