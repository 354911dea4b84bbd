"""The robustness harness: every perturbation keeps the gold's offsets exact."""

import pytest
from conftest import GOLD
from hypothesis import given, settings
from hypothesis import strategies as st

from baozhi.gold import iter_spans, load_gold, read_gold_page
from baozhi.perturb import PERTURBATIONS, perturb

PAGE_GOLD = GOLD / "software_2023q3.json"


def spans_exact(text, gold):
    return all(text[s["start"]:s["end"]] == s["text"] for _, s in iter_spans(
        {k: v for k, v in gold.items() if k in ("articles", "facts", "directives", "entities", "furniture")}))


@pytest.mark.parametrize("name", list(PERTURBATIONS))
def test_each_perturbation_moves_the_gold_along(name):
    gold = load_gold(PAGE_GOLD)
    text, _ = read_gold_page(gold)
    moved = perturb(text, gold, name)
    assert moved.text != text
    assert spans_exact(moved.text, moved.gold)
    assert len(moved.gold["facts"]) == len(gold["facts"])
    for before, after in zip(gold["articles"], moved.gold["articles"], strict=True):  # bounds move with the title
        if before["title"]:
            assert after["start"] <= after["title"]["start"] < after["end"]
            assert after["title"]["start"] - after["start"] == before["title"]["start"] - before["start"]
    assert perturb(text, gold, name) == moved  # seeded: the same page perturbs the same way


def test_values_keep_their_digits_and_traditional_pages_convert():
    gold = load_gold(PAGE_GOLD)
    text, _ = read_gold_page(gold)
    spaced = perturb(text, gold, "digit_spaces")
    for before, after in zip(gold["facts"], spaced.gold["facts"], strict=True):
        if before["value"]:
            assert after["value"]["text"].replace(" ", "") == before["value"]["text"]
    assert "億" in perturb(text, gold, "s2hk").text and "億" in perturb(text, gold, "s2tw").text
    assert "１" in perturb(text, gold, "full_width").text


def test_unknown_perturbation_is_refused():
    with pytest.raises(ValueError, match="unknown perturbation"):
        perturb("标题\n", {"facts": []}, "shuffle")


@st.composite
def page_with_spans(draw):
    text = draw(st.text(alphabet="增长亿元12345。\n ", min_size=1, max_size=60))
    spans = []
    for _ in range(draw(st.integers(0, 6))):
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, len(text)))
        spans.append({"start": a, "end": b, "text": text[a:b]})
    return text, {"file": "p.txt", "articles": [], "facts": [{"metric": s, "value": None} for s in spans],
                  "directives": [], "entities": []}


@settings(max_examples=200, deadline=None)
@given(page_with_spans(), st.sampled_from(sorted(PERTURBATIONS)), st.integers(0, 5))
def test_property_offsets_stay_exact_on_any_text(page, name, seed):
    text, gold = page
    moved = perturb(text, gold, name, seed)
    assert spans_exact(moved.text, moved.gold)
    for before, after in zip(gold["facts"], moved.gold["facts"], strict=True):
        # a span keeps its characters in order: insertions inside it only add to it
        it = iter(after["metric"]["text"])
        if name in ("full_width", "s2hk", "s2tw"):
            assert len(after["metric"]["text"]) == len(before["metric"]["text"])
        else:
            assert all(ch in it for ch in before["metric"]["text"])
