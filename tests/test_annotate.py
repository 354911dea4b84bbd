"""The spaCy carrier: components, Doc results, segmenters."""

import pytest

from baozhi.annotate import COMPONENTS, make_doc, make_nlp
from baozhi.extractor import Extractor
from baozhi.model import Source

PAGE = "全省经济运行情况\n\n上半年，全省实现营业收入1234亿元，同比增长5.6%。\n会议强调，要加快推进重点项目建设。\n"


def test_pipeline_components_leave_results_on_the_doc():
    nlp = make_nlp()
    assert nlp.pipe_names == COMPONENTS
    result = Extractor(extractor="rules").extract_text(PAGE, Source("<t>", "0" * 64, "utf-8", "test"))
    assert result.articles[0].facts[0].value.number == 123400000000
    doc = make_doc(nlp, "第一行\n\n第二行 ABC 5G\n")
    assert doc.text == "第一行\n\n第二行 ABC 5G\n"


def test_pkuseg_needs_a_model_path():
    with pytest.raises(ValueError, match="pkuseg-model"):
        make_nlp("pkuseg")


def test_pkuseg_with_a_locally_trained_model(tmp_path):
    import jieba
    import spacy_pkuseg

    sentences = ["上半年，全省实现营业收入1234亿元，同比增长5.6%。", "会议强调，要加快推进重点项目建设。"] * 5
    train = tmp_path / "train.txt"
    train.write_text("\n".join(" ".join(jieba.lcut(s)) for s in sentences) + "\n", encoding="utf-8")
    spacy_pkuseg.train(str(train), str(train), str(tmp_path / "model"), train_iter=2)
    extractor = Extractor(segmenter="pkuseg", pkuseg_model=str(tmp_path / "model"))
    result = extractor.extract_text(PAGE, Source("<t>", "0" * 64, "utf-8", "test"))
    assert str(result.articles[0].facts[0].change.number) == "5.6"
    assert result.articles[0].directives[0].cue == "会议强调"


def test_char_documents_are_what_spacys_char_segmenter_makes():
    """make_doc skips building a Doc per line for the char segmenter; the tokens must not change."""
    nlp = make_nlp("char")
    text = "第一行 ABC  5G\n\n  \n第二行\u3000，１２３ \n末"
    fast = make_doc(nlp, text)
    by_line = [t.text_with_ws for line in text.split("\n") if line for t in nlp.tokenizer(line)]
    assert fast.text == text
    assert [t.text_with_ws for t in fast if t.text != "\n" and not t.text.endswith("\n")] == by_line
