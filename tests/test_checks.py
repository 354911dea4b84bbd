from conftest import extract_text

from baozhi.extract.checks import check_article


def test_seed_checks(seed_result):
    checks = seed_result.articles[0].checks
    sums = [c for c in checks if c.kind == "sum"]
    assert len(sums) == 1 and sums[0].status == "ok" and sums[0].computed == sums[0].expected == 3560900000000
    shares = {c.description.split(" = ")[0]: c for c in checks if c.kind == "share"}
    assert shares["9615亿元 / 35609亿元"].status == "ok"
    assert str(shares["9615亿元 / 35609亿元"].computed) == "27.00"


def test_mismatch_is_reported(extractor):
    page = ("某省经济运行\n\n上半年，全省实现营业收入1000亿元，同比增长5.0%。东部地区完成营业收入600亿元，同比增长4.0%。"
            "西部地区完成营业收入500亿元，同比增长6.0%。\n")
    checks = extract_text(extractor, page).articles[0].checks
    assert [(c.kind, c.status) for c in checks] == [("sum", "mismatch")]
    assert check_article([]) == []
