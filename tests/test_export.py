import json

import pytest
from conftest import PAGES

from baozhi.export import render, validate
from baozhi.files import write_atomic
from baozhi.gold import iter_spans
from baozhi.model import page_to_json


def test_seed_output_validates_and_offsets_hold(seed_result):
    doc = page_to_json(seed_result)
    validate(doc)
    original = seed_result.original
    repaired = [(r.start, r.end) for r in seed_result.repairs]
    checked = 0
    for where, span in iter_spans(doc):
        crosses = any(span["start"] < e and s < span["end"] for s, e in repaired)
        if not crosses:
            assert original[span["start"]:span["end"]] == span["text"], where
            checked += 1
    assert checked > 200


@pytest.mark.parametrize("page", sorted(PAGES.glob("*.txt")), ids=lambda p: p.name)
def test_team_pages_validate(extractor, page):
    doc = page_to_json(extractor.extract_file(page))
    validate(doc)
    assert doc["articles"], page


def test_formats(seed_result):
    assert json.loads(render([seed_result], "json"))["schema_version"] == "1.2"
    lines = render([seed_result, seed_result], "jsonl").splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["source"]["encoding"] == "utf-8"
    table = render([seed_result], "table", explain=True)
    assert "上半年软件业收入和利润增速持续回升" in table and "dup_unit" in table and "+6.7 % of level" in table


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")

    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # not text: the write fails
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
