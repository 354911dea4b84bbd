import pytest
from conftest import GOLD, SHARED

from baozhi.gold import GoldError, check_gold, load_gold

GOLD_FILES = sorted(GOLD.glob("*.json"))


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_spans_match_their_pages(path):
    gold = load_gold(path)
    if gold["path"].startswith("../shared") and not SHARED.exists():
        pytest.skip("../shared is not present")
    assert check_gold(gold) == []
    assert gold["split"] in ("train", "dev", "test")
    if gold["file"].startswith("000_"):
        assert gold["split"] == "test"  # the seed page is test-only


def test_team_pages_cover_the_required_kinds():
    encodings = {load_gold(p)["encoding"] for p in GOLD_FILES}
    if len(GOLD_FILES) < 9:
        pytest.skip("team pages not annotated yet")
    assert {"gb18030", "big5"} <= encodings


def test_wrong_sha_is_reported(tmp_path):
    page = tmp_path / "corpora" / "p.txt"
    page.parent.mkdir()
    page.write_text("标题\n")
    gold_dir = tmp_path / "annotations" / "gold"
    gold_dir.mkdir(parents=True)
    g = gold_dir / "p.json"
    g.write_text('{"format": 1, "file": "p.txt", "path": "corpora/p.txt", "sha256": "00", "encoding": "utf-8", '
                 '"split": "train", "articles": [], "facts": [], "directives": [], "entities": []}')
    with pytest.raises(GoldError, match="sha256"):
        check_gold(load_gold(g))


def _news_gold(tmp_path, records, file="finna/problem_list.json", split="test", item=None):
    import hashlib
    import json

    corpus = tmp_path / "ext" / file
    corpus.parent.mkdir(parents=True, exist_ok=True)
    corpus.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    text = records[0]["input"]
    item = item or {"item": 0, "field": "input", "sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "headline": None, "facts": [], "directives": [],
                    "entities": [{"start": 0, "end": 4, "text": text[:4], "label": "ORG"}]}
    gold = tmp_path / "annotations" / "news" / "n.json"
    gold.parent.mkdir(parents=True, exist_ok=True)
    gold.write_text(json.dumps({"format": 2, "kind": "news", "corpus": "fincuge", "file": file,
                                "path": str(corpus), "split": split, "items": [item]}, ensure_ascii=False))
    return gold


def test_news_gold_is_checked_against_its_item(tmp_path):
    gold = _news_gold(tmp_path, [{"id": 0, "input": "康跃科技公告，减持1050.3万股。"}])
    assert check_gold(load_gold(gold)) == []
    bad = _news_gold(tmp_path, [{"id": 0, "input": "另一条新闻，完全不同。"}])
    assert any("sha256" in p for p in check_gold(load_gold(bad)))


def test_reserved_evaluation_files_cannot_be_annotated(tmp_path):
    gold = _news_gold(tmp_path, [{"id": 0, "input": "康跃科技公告。"}], file="finna/eval_list.json")
    with pytest.raises(GoldError, match="reserved"):
        load_gold(gold)


def test_format2_fact_fields_are_checked(tmp_path):
    import hashlib
    import json

    text = "前三季度，全行业实现利润总额10587亿元。\n"
    page = tmp_path / "corpora" / "p.txt"
    page.parent.mkdir()
    page.write_text(text, encoding="utf-8")
    value = {"start": 14, "end": 21, "text": "10587亿元", "number": "1058700000000", "unit": "元",
             "approx": None, "low": None, "high": None}
    fact = {"metric": {"start": 10, "end": 14, "text": "利润总额"}, "metric_name": "利润总额", "value": value,
            "change": None, "basis": None, "basis_class": None, "period": {"start": 0, "end": 4, "text": "前三季度"},
            "period_norm": "前三季度", "scope": None, "scope_name": "全行业", "scope_kind": "group",
            "modality": "actual"}
    doc = {"format": 2, "file": "p.txt", "path": "corpora/p.txt",
           "sha256": hashlib.sha256(page.read_bytes()).hexdigest(), "encoding": "utf-8", "split": "train",
           "page": None, "furniture": [], "articles": [], "facts": [fact], "directives": [], "entities": []}
    g = tmp_path / "annotations" / "gold" / "p.json"
    g.parent.mkdir(parents=True)
    g.write_text(json.dumps(doc, ensure_ascii=False))
    assert check_gold(load_gold(g)) == []
    for key, bad in (("modality", "guess"), ("basis_class", "yearly"), ("metric_name", "集")):
        g.write_text(json.dumps({**doc, "facts": [{**fact, key: bad}]}, ensure_ascii=False))
        assert check_gold(load_gold(g)), key
    g.write_text(json.dumps({**doc, "facts": [{**fact, "value": {**value, "at": 14}}]}, ensure_ascii=False))
    assert any("unknown field value.at" in p for p in check_gold(load_gold(g)))


def test_gold_stats_counts_pages_and_news(tmp_path, capsys):
    from baozhi.cli import main

    news = _news_gold(tmp_path, [{"id": 0, "input": "康跃科技公告，减持1050.3万股。"}])
    assert main(["gold", "stats", str(news.parent)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| news")]
    assert rows == ["| news | test | 2 | 1 | 1 | 0 | 0 | 1 |"]
