"""The carrier and its stages: order, what each stage leaves, segmenters, spaCy for export only."""

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baozhi.annotate import RULE_STAGES, PageDoc, make_pipeline
from baozhi.extract.words import make_segmenter
from baozhi.extractor import DEFAULT_MODEL, Extractor
from baozhi.ingest import normalize_view
from baozhi.model import Entity, Source
from baozhi.repair import repair

PAGE = "全省经济运行情况\n\n上半年，全省实现营业收入1234亿元，同比增长5.6%。\n会议强调，要加快推进重点项目建设。\n"


def _view(text: str):
    return repair(normalize_view(text, simplify=False))[0]


def test_rule_stages_leave_their_results_on_the_carrier():
    pipeline = make_pipeline()
    assert pipeline.pipe_names == RULE_STAGES
    doc = pipeline(_view(PAGE))
    assert isinstance(doc, PageDoc) and len(doc.articles) == len(doc.layouts) == 1
    article = doc.articles[0]
    assert article.facts[0].value.number == 123400000000
    assert article.directives[0].cue == "会议强调"
    assert article.checks is not None


def test_each_stage_reads_only_what_earlier_stages_left():
    """Without the articles stage there is nothing for the others to fill; a facts stage alone
    fills facts and leaves directives empty."""
    pipeline = make_pipeline()
    view = _view(PAGE)
    doc = PageDoc(view)
    for name in RULE_STAGES[1:]:
        pipeline.get(name)(doc)
    assert doc.articles == []
    doc = PageDoc(view)
    pipeline.get("articles")(doc)
    pipeline.get("facts")(doc)
    assert doc.articles[0].facts and doc.articles[0].directives == []


@pytest.mark.skipif(not (DEFAULT_MODEL / "config.json").exists(), reason="no default model")
def test_the_model_stage_reads_the_rule_stages_output():
    """Names on lines outside the body are the entities stage's: one planted there comes through."""
    pipeline = make_pipeline(model=str(DEFAULT_MODEL), threads=1)
    names = pipeline.pipe_names
    assert names[0] == "articles" and names[-2:] == ["model", "checks"]
    assert names.index("entities") < names.index("model")
    view = _view(PAGE)
    doc = PageDoc(view)
    for name in names[:names.index("model")]:
        pipeline.get(name)(doc)
    planted = Entity(view.span(0, 2), "LOC")  # 全省, in the title line
    doc.articles[0].entities.append(planted)
    pipeline.get("model")(doc)
    assert planted in doc.articles[0].entities
    assert doc.articles[0].facts[0].value.number == 123400000000


def test_segmenter_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="pkuseg-model"):
        make_segmenter("pkuseg")
    with pytest.raises(OSError, match="no pkuseg model"):
        make_segmenter("pkuseg", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="unknown segmenter"):
        make_segmenter("char")
    assert make_segmenter() is make_segmenter("jieba")  # no name: jieba's words


@given(st.text(alphabet="上半年全省实现营业收入亿元同比增长会议强调 ，。\u30005.%ABC", max_size=60))
def test_jieba_words_cover_the_text_exactly(text):
    assert "".join(make_segmenter("jieba")(text)) == text


def test_pkuseg_with_a_locally_trained_model(tmp_path):
    import jieba
    import spacy_pkuseg

    sentences = ["上半年，全省实现营业收入1234亿元，同比增长5.6%。", "会议强调，要加快推进重点项目建设。"] * 5
    train = tmp_path / "train.txt"
    train.write_text("\n".join(" ".join(jieba.lcut(s)) for s in sentences) + "\n", encoding="utf-8")
    spacy_pkuseg.train(str(train), str(train), str(tmp_path / "model"), train_iter=2)
    words = make_segmenter("pkuseg", str(tmp_path / "model"))
    text = "全省 实现营业收入　1234亿元"
    assert "".join(words(text)) == text
    extractor = Extractor(extractor="rules", segmenter="pkuseg", pkuseg_model=str(tmp_path / "model"))
    result = extractor.extract_text(PAGE, Source("<t>", "0" * 64, "utf-8", "test"))
    assert str(result.articles[0].facts[0].change.number) == "5.6"
    assert result.articles[0].directives[0].cue == "会议强调"


def test_a_rules_run_does_not_import_spacy():
    """spaCy is for export (to_spacy, interchange): extraction never loads it."""
    code = ("import sys, baozhi; page = baozhi.load('rules')('上半年，全省实现营业收入1234亿元。');"
            "assert page.articles[0].facts; assert 'spacy' not in sys.modules, 'spacy imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
