import pytest
from conftest import GOLD, SHARED

from pipeline.gold import GoldError, check_gold, load_gold

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
