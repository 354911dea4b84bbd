"""The learned extractor: tag decoding and fact assembly on hand-made model outputs, and the
shipped default model on real pages."""

from decimal import Decimal

import numpy as np
import pytest
from conftest import GOLD, ROOT
from hypothesis import given
from hypothesis import strategies as st

from baozhi.extract.neural import RuleHints, Tagged, _Assembler, _decode, _length_batches, triage_parts
from baozhi.ingest import normalize_view
from baozhi.layers import LAYERS, tags

DEFAULT = ROOT / "models" / "default"


def test_decode_bio_spans_across_whitespace_and_stray_inside_tags():
    names = tags("fact")
    at = {0: "B-VALUE", 1: "I-VALUE", 3: "I-VALUE", 4: "O", 5: "I-METRIC", 6: "I-METRIC", 7: "B-METRIC",
          8: "I-CHANGE", 10: "I-CHANGE"}
    ids = np.array([names.index(at.get(pos, "O")) for pos in range(11)])
    seen = np.array([pos in at for pos in range(11)])  # 2 and 9 are whitespace: no token, no tag
    assert _decode(ids, seen, names, 100) == [(100, 104, "VALUE"), (105, 107, "METRIC"), (107, 108, "METRIC"),
                                              (108, 111, "CHANGE")]


@given(st.lists(st.integers(1, 126), max_size=200), st.integers(1, 40))
def test_length_batches_take_every_window_once_with_little_padding(lengths, size):
    windows = [(i, 1000 * i, 1000 * i + n) for i, n in enumerate(lengths)]
    batches = _length_batches(windows, size)
    assert sorted(w for b in batches for w in b) == sorted(windows)
    for batch in batches:
        assert 1 <= len(batch) <= size
        real = [e - s + 2 for _, s, e in batch]
        assert len(batch) == 1 or max(real) * len(batch) <= 1.25 * sum(real)


def test_triage_sends_number_sentences_with_their_context_and_directives_to_the_end():
    text = "市场总体平稳。今年以来，全市经济稳中向好。工业增加值增长5.2%。企业信心回升。消费回暖。"
    nothing = np.zeros(len(text), dtype=bool)
    parts = [text[s:e] for s, e in triage_parts(text, 0, len(text), nothing)]
    assert parts == ["今年以来，全市经济稳中向好。工业增加值增长5.2%。"]
    assert triage_parts(text, 0, len(text), nothing, whole=True) == [(0, len(text))]
    found = nothing.copy()
    found[text.index("消费"):] = True  # the rules found a non-entity span there
    assert [text[s:e] for s, e in triage_parts(text, 0, len(text), found)] == [text[text.index("今年"):]]
    plan = "会议认为形势向好。会议强调，要稳住就业。做好民生保障。落实各项政策。"
    assert [plan[s:e] for s, e in triage_parts(plan, 0, len(plan), np.zeros(len(plan), dtype=bool))] == [plan]
    quiet = "会议认为形势向好。大家很高兴。"
    assert triage_parts(quiet, 0, len(quiet), np.zeros(len(quiet), dtype=bool)) == []


def _assemble(text: str, spans: dict[str, list[str]], pairs: list[tuple[str, str]], hints: RuleHints | None = None):
    view = normalize_view(text, simplify=False)
    found = []
    for label, words in spans.items():
        for word in words:
            start = text.index(word)
            found.append((start, start + len(word), label))
    by_text = {text[s:e]: (s, e, label) for s, e, label in found}
    tagged = Tagged(found, {(by_text[h], by_text[t]): 0.9 for h, t in pairs})
    return _Assembler(view, tagged, 0.5, [], hints).facts()


def _rule_hints(text: str) -> RuleHints:
    """The rules' typed output read directly; its spans are those of the same page's JSON document."""
    from baozhi.extractor import Extractor
    from baozhi.layers import drop_overlaps, layer_spans
    from baozhi.learn.data import flatten_articles, page_view
    from baozhi.model import Source, page_to_json

    page = Extractor(extractor="rules").extract_text(text, Source("t", "", "utf-8", "test"))
    view = page_view(text)
    hints = RuleHints.from_rules(page.facts, page.directives, page.entities, view)
    spans, relations = layer_spans(flatten_articles(page_to_json(page)), view)
    assert hints.spans == drop_overlaps(spans) and hints.relations == set(relations)
    return hints


def test_rule_hints_become_one_tag_per_layer_and_name_the_metric():
    text = "1—9月，软件产品实现收入8926亿元，同比增长11.8%。"
    hints = _rule_hints(text)

    ids = hints.tag_ids({layer: tags(layer) for layer in LAYERS}, len(text))
    fact = tags("fact")
    start = text.index("8926")
    assert fact[ids[0][start]] == "B-VALUE" and fact[ids[0][start + 1]] == "I-VALUE"
    assert ids[0][text.index("实现")] == 0  # nothing the rules did not mark
    metric = text.index("收入")
    assert fact[ids[0][metric]] == "B-METRIC"
    # the model kept the rules' metric span: the rules' name (subject + head) comes with it
    facts = _assemble(text, {"METRIC": ["收入"], "VALUE": ["8926亿元"], "CHANGE": ["增长11.8%"]},
                      [("8926亿元", "收入"), ("8926亿元", "增长11.8%")], hints)
    assert facts[0].metric_name == "软件产品收入"
    assert _assemble(text, {"METRIC": ["收入"], "VALUE": ["8926亿元"]}, [("8926亿元", "收入")])[0].metric_name == "收入"


def test_value_change_and_rate_word_become_facts_with_exact_numbers():
    text = "前三季度，软件业务收入35609亿元，同比增长13.6%，增速较上年同期回落8.3个百分点。"
    facts = _assemble(text, {"PERIOD": ["前三季度"], "METRIC": ["软件业务收入", "增速"], "VALUE": ["35609亿元"],
                             "CHANGE": ["增长13.6%", "回落8.3个百分点"], "BASIS": ["同比", "较上年同期"]},
                      [("35609亿元", "软件业务收入"), ("35609亿元", "前三季度"), ("35609亿元", "增长13.6%"),
                       ("35609亿元", "同比"), ("回落8.3个百分点", "增速"), ("回落8.3个百分点", "较上年同期")])
    assert len(facts) == 2
    first, second = facts
    assert first.value.number == Decimal("3560900000000") and first.value.unit == "元"
    assert (first.change.number, first.change.unit, first.basis.text) == (Decimal("13.6"), "%", "同比")
    assert second.metric.text == "增速" and second.metric_name == "软件业务收入"
    assert (second.change.number, second.change.unit, second.change.of) == (Decimal("-8.3"), "百分点", "rate")
    assert second.period.text == "前三季度"  # inherited within the paragraph, per the guidelines


def test_narrowing_decline_is_positive_and_share_changes_are_of_level():
    text = "出口额下降2.1%，降幅收窄1.5个百分点；出口占比为27%，比上年降低0.4个百分点。"
    facts = _assemble(text, {"METRIC": ["出口额", "降幅", "出口占比"], "CHANGE": ["下降2.1%", "收窄1.5个百分点", "降低0.4个百分点"],
                             "VALUE": ["27%"]},
                      [("下降2.1%", "出口额"), ("收窄1.5个百分点", "降幅"), ("27%", "出口占比"), ("27%", "降低0.4个百分点")])
    by_metric = {f.metric.text: f for f in facts}
    assert by_metric["出口额"].change.number == Decimal("-2.1")
    assert by_metric["降幅"].change.number == Decimal("1.5") and by_metric["降幅"].change.of == "rate"
    assert by_metric["出口占比"].change.number == Decimal("-0.4") and by_metric["出口占比"].change.of == "level"


needs_default = pytest.mark.skipif(not (DEFAULT / "config.json").exists(),
                                   reason="no shipped model in models/default yet: the rules are the default")


@pytest.fixture(scope="module")
def default_extractor():
    from baozhi.extractor import Extractor

    return Extractor()


def test_without_a_shipped_model_the_rules_are_the_default():
    from baozhi.extractor import EXTRACTOR_NAME, Extractor

    if (DEFAULT / "config.json").exists():
        pytest.skip("a default model is shipped")
    assert Extractor().name == EXTRACTOR_NAME


def _scores(extractor, gold_file):
    from baozhi.evaluate import evaluate, gold_items

    return evaluate(gold_items([str(gold_file)], None, extractor=extractor)).as_dict()


@needs_default
def test_default_model_is_the_default_and_small():
    from baozhi.extractor import Extractor

    size = sum(p.stat().st_size for p in DEFAULT.iterdir() if p.is_file())
    assert size <= 25 * 2**20
    assert Extractor().name.startswith("model:default@")


@needs_default
def test_default_model_on_a_dev_page(default_extractor):
    result = default_extractor.extract_file(ROOT / "corpora" / "pages" / "software_2023q3.txt")
    facts = [f for a in result.articles for f in a.facts]
    revenue = [f for f in facts if f.value and f.value.number == Decimal("8926000000000")]
    assert revenue and revenue[0].value.unit == "元" and "收入" in revenue[0].metric.text
    scores = _scores(default_extractor, GOLD / "software_2023q3.json")
    assert scores["facts_lenient"]["f1"] >= 0.85, scores["facts_lenient"]


@needs_default
def test_default_model_on_the_seed_page(default_extractor, seed_path):
    scores = _scores(default_extractor, GOLD / "000_f03d3bce41067f28.json")
    assert scores["facts_lenient"]["f1"] >= 0.95, scores["facts_lenient"]
    assert scores["directives"]["f1"] >= 0.90, scores["directives"]


def test_tags_do_not_depend_on_how_windows_are_batched(seed_path, monkeypatch):
    """Windows are batched by length; where two windows overlap, the same one must decide in any
    batching (on the seed page a directive split in two when the order decided)."""
    from baozhi.extract import neural
    from baozhi.extract.neural import NeuralExtractor
    from baozhi.learn.data import page_view

    raw = seed_path.read_bytes().decode("utf-8-sig")
    text, hints = page_view(raw).text, _rule_hints(raw)
    paragraphs, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            paragraphs.append((pos, pos + len(line)))
        pos += len(line) + 1
    extractor = NeuralExtractor(DEFAULT)
    by_length = [t.spans for t in extractor.tag_all(text, paragraphs, hints)]
    monkeypatch.setattr(neural, "_length_batches", lambda windows, size: [[w] for w in windows])  # text order
    assert [t.spans for t in extractor.tag_all(text, paragraphs, hints)] == by_length


@needs_default
def test_window_encoding_equals_the_tokenizer_on_the_characters():
    """`encode` asks the tokenizer once per distinct character; ids, padding and each token's
    character must be what the tokenizer gives on the window's characters as words."""
    from baozhi.extract.neural import NeuralExtractor
    from baozhi.layers import windows
    from baozhi.learn.data import page_view

    extractor = NeuralExtractor(DEFAULT)
    raw = (ROOT / "corpora" / "pages" / "software_2023q3.txt").read_bytes().decode("utf-8-sig")
    text = page_view(raw).text + "\n5G  网络 ① ﬁé\u3000ＡＢ\t终𠀀字"  # 𠀀: outside the id table
    batch = [(0, s, e) for s, e in windows(text)][-12:]
    from baozhi.nn.tokenizer import load_tokenizer

    expected = load_tokenizer(DEFAULT)([list(text[s:e]) for _, s, e in batch], is_split_into_words=True, padding=True,
                                       truncation=True, max_length=130, return_tensors="np")
    enc, rows = extractor.encode(text, batch)
    assert (enc["input_ids"] == expected["input_ids"]).all() and (enc["attention_mask"] == expected["attention_mask"]).all()
    for row, (_, s, _e) in enumerate(batch):
        word_ids = np.array([-1 if w is None else w for w in expected.word_ids(row)])
        tokens = np.flatnonzero(word_ids >= 0)
        assert rows[row][0].tolist() == tokens.tolist() and rows[row][1].tolist() == (s + word_ids[tokens]).tolist()


@needs_default
def test_int8_model_is_named_as_such_and_keeps_fact_and_directive_scores():
    import warnings

    from baozhi.extractor import Extractor

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        int8 = Extractor(quantize=True)
    assert not caught, [str(w.message) for w in caught]  # nothing on a CLI's stderr
    assert int8.name.startswith("model:default@") and int8.name.endswith("+int8")
    fp32 = Extractor()
    assert not fp32.name.endswith("+int8")
    for page in ("software_2023q3", "meeting_industry_2024"):
        a, b = _scores(int8, GOLD / f"{page}.json"), _scores(fp32, GOLD / f"{page}.json")
        assert [a[k] for k in ("facts_strict", "facts_lenient", "directives")] == \
            [b[k] for k in ("facts_strict", "facts_lenient", "directives")]
