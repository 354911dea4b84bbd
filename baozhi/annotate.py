"""Stage 4: the spaCy carrier. A `zh` Language with jieba (or pkuseg) segmentation whose
components run segmentation and extraction and leave their results on the `Doc`.

The Doc's text is the repaired, folded view of the page; `doc._.view` maps it back to the
original, and `doc._.articles` holds the output model (original offsets) built by the
components. Components only read what earlier components left on the Doc.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

from .extract.checks import check_article
from .extract.directives import DirectiveExtractor
from .extract.entities import EntityExtractor
from .extract.facts import FactExtractor
from .extract.words import bounded_pieces, load_dictionary
from .model import Entity
from .segment import furniture, page_info, segment, to_article


def _import_spacy():
    """spaCy's thinc imports torch when it is installed: 2 s of a rules run's start, for layers no
    component here uses. Before torch is loaded, thinc is shown none (a model run loads torch
    itself later, unaffected)."""
    if "torch" in sys.modules:
        import spacy
    else:
        sys.modules["torch"] = None  # `import torch` raises ImportError, which thinc expects
        try:
            import spacy
        finally:
            del sys.modules["torch"]
    return spacy


spacy = _import_spacy()
from spacy.language import Language  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

if TYPE_CHECKING:  # torch is imported only when a model runs
    from .extract.neural import RuleHints

for _name in ("view", "layouts", "articles", "page", "furniture"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

_WHITESPACE = re.compile(r"\s")
COMPONENTS = ["baozhi_articles", "baozhi_facts", "baozhi_directives", "baozhi_entities", "baozhi_checks"]
MODEL_COMPONENTS = ["baozhi_articles", "baozhi_model", "baozhi_checks"]


def _paragraphs(layout) -> list[tuple[int, int]]:
    return [(p.start, p.end) for p in layout.paragraphs]


def _year(doc: Doc) -> int | None:
    """The page's year from its masthead date, for relative periods (今年, 5月份)."""
    date = doc._.page.date if doc._.page else None
    return int(date[:4]) if date else None


def _headings(layout) -> list[tuple[int, int]]:
    """The headline group's lines: their periods govern the body."""
    return [(x.start, x.end) for x in (layout.kicker, layout.title, layout.subtitle) if x is not None]


def _spans(doc: Doc, key: str, ranges: list[tuple[int, int, str]]) -> None:
    spans = []
    for start, end, label in ranges:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[key] = spans


@Language.component("baozhi_articles")
def articles_component(doc: Doc) -> Doc:
    page = segment(doc._.view.text)  # the Doc's text; spaCy's `doc.text` rebuilds it token by token
    layouts = doc._.layouts = page.articles
    doc._.page, doc._.furniture = page_info(page, doc._.view), furniture(page, doc._.view)
    doc._.articles = [to_article(lay, doc._.view) for lay in layouts]
    _spans(doc, "articles", [(lay.lines[0].start, lay.lines[-1].end, "ARTICLE") for lay in layouts if lay.lines])
    _spans(doc, "paragraphs", [(p.start, p.end, "P") for lay in layouts for p in lay.paragraphs])
    return doc


@Language.component("baozhi_facts")
def facts_component(doc: Doc) -> Doc:
    extractor = FactExtractor(doc._.view, _year(doc))
    for layout, article in zip(doc._.layouts, doc._.articles, strict=True):
        article.facts = extractor.article(_paragraphs(layout), _headings(layout))
    return doc


@Language.component("baozhi_directives")
def directives_component(doc: Doc) -> Doc:
    extractor = DirectiveExtractor(doc._.view)
    for layout, article in zip(doc._.layouts, doc._.articles, strict=True):
        article.directives = extractor.article(_paragraphs(layout))
    return doc


@Language.component("baozhi_entities")
def entities_component(doc: Doc) -> Doc:
    extractor = EntityExtractor(doc._.view)
    ranges = []
    for layout, article in zip(doc._.layouts, doc._.articles, strict=True):
        article.entities = extractor.article([(line.start, line.end) for line in layout.lines])
        view = doc._.view
        ranges += [(view.from_original(e.span.start), view.from_original(e.span.end), e.label) for e in article.entities]
    _spans(doc, "entities", ranges)
    return doc


class ModelComponent:
    """Facts, directives and entities from a fine-tuned model (`baozhi.extract.neural`).

    The model reads body paragraphs; a model trained with hints first gets the rule extractors'
    output on the page as input features. Lines outside the body (titles, bylines, section
    headings, source lines) are layout, not sent to the model: their names come from the rules."""

    def __init__(self, path: str, batch_size: int, quantize: bool, triage: str = "sentence", backend: str = "auto",
                 threads: int = 1):
        from .extract.neural import NeuralExtractor

        self.extractor = NeuralExtractor(path, batch_size=batch_size, quantize=quantize, triage=triage,
                                         backend=backend, threads=threads)

    def _rules(self, doc: Doc) -> tuple[RuleHints | None, list[list[Entity]]]:
        """The rules' output on the whole page: the model's hints, and per article the entities
        of its layout lines."""
        from .extract.neural import RuleHints

        view, layouts = doc._.view, doc._.layouts

        names = EntityExtractor(view)
        entities = [names.article([(line.start, line.end) for line in lay.lines]) for lay in layouts]
        if not self.extractor.config.use_hints:
            return None, entities
        facts, directives = FactExtractor(view, _year(doc)), DirectiveExtractor(view)
        found_facts, found_directives = [], []
        for layout in layouts:
            paragraphs = _paragraphs(layout)
            found_facts += facts.article(paragraphs, _headings(layout))
            found_directives += directives.article(paragraphs)
        return RuleHints.from_rules(found_facts, found_directives, [e for es in entities for e in es], view), entities

    def __call__(self, doc: Doc) -> Doc:
        """One model pass per page (windows of all articles batched together, by length)."""
        view = doc._.view
        paragraphs = [_paragraphs(layout) for layout in doc._.layouts]
        hints, rule_entities = self._rules(doc)
        ranges = []
        for article, paras, found, (facts, directives, entities) in zip(
                doc._.articles, paragraphs, rule_entities, self.extractor.articles(view, paragraphs, hints), strict=True):
            article.facts, article.directives = facts, directives
            outside = [e for e in found if not any(s <= view.from_original(e.span.start) < t for s, t in paras)]
            article.entities = sorted(entities + outside, key=lambda e: (e.span.start, e.span.end))
            ranges += [(view.from_original(e.span.start), view.from_original(e.span.end), e.label)
                       for e in article.entities]
        _spans(doc, "entities", ranges)
        return doc


@Language.factory("baozhi_model",
                  default_config={"path": "models/default", "batch_size": 32, "quantize": False, "triage": "sentence",
                                  "backend": "auto", "threads": 1})
def make_model_component(nlp: Language, name: str, path: str, batch_size: int, quantize: bool,
                         triage: str, backend: str, threads: int) -> ModelComponent:
    return ModelComponent(path, batch_size, quantize, triage, backend, threads)


@Language.component("baozhi_checks")
def checks_component(doc: Doc) -> Doc:
    for article in doc._.articles:
        article.checks = check_article(article.facts)
    return doc


def make_doc(nlp: Language, text: str) -> Doc:
    """Tokenize line by line: spaCy's whole-text alignment of segmenter output is quadratic on
    megabyte pages, a line at a time it is linear. The Doc's text equals `text` exactly."""
    words: list[str] = []
    spaces: list[bool] = []
    lines = text.split("\n")
    chars = getattr(nlp.tokenizer, "segmenter", None) == "char"
    blank = 0  # newlines owed to the last token: appended once, not one `+=` per blank line
    for i, line in enumerate(lines):
        if line and blank:
            words[-1] += "\n" * blank
            blank = 0
        if chars and line and not _WHITESPACE.search(line):  # spaCy's char segmenter, without a Doc per line
            words += line
            spaces += [False] * len(line)
        elif chars and line:
            line_words, line_spaces = spacy.util.get_words_and_spaces(list(line), line)
            words += line_words
            spaces += line_spaces
        elif line:
            for piece in bounded_pieces(line):
                for token in nlp.tokenizer(piece):
                    words.append(token.text)
                    spaces.append(bool(token.whitespace_))
        if i + 1 < len(lines):
            if words and not words[-1].strip("\n"):  # blank lines: one newline token
                blank += 1
            else:
                words.append("\n")
                spaces.append(False)
    if blank:
        words[-1] += "\n" * blank
    assert "".join(w + " " * s for w, s in zip(words, spaces, strict=True)) == text
    return Doc(nlp.vocab, words=words, spaces=spaces)


def make_nlp(segmenter: str = "jieba", pkuseg_model: str | None = None, model: str | None = None,
             quantize: bool = False, triage: str = "sentence", backend: str = "auto", threads: int = 1) -> Language:
    """jieba by default; pkuseg only with a model path (spacy-pkuseg has no offline default).
    With `model`, a fine-tuned model replaces the rule components for facts, directives, entities."""
    if segmenter == "pkuseg" and not pkuseg_model:
        raise ValueError("--segmenter pkuseg needs --pkuseg-model PATH (spacy-pkuseg downloads its default model)")
    if segmenter not in ("jieba", "pkuseg", "char"):
        raise ValueError(f"unknown segmenter {segmenter!r}")
    load_dictionary()  # jieba's, from baozhi's faster cache, before spaCy's tokenizer asks jieba for it
    config = {"nlp": {"tokenizer": {"@tokenizers": "spacy.zh.ChineseTokenizer", "segmenter": segmenter}}}
    nlp = spacy.blank("zh", config=config)
    nlp.max_length = 10**9  # no parser or NER: memory grows with tokens only
    if segmenter == "pkuseg":
        nlp.tokenizer.initialize(pkuseg_model=pkuseg_model)
    for name in MODEL_COMPONENTS if model else COMPONENTS:
        config = {"path": str(model), "quantize": quantize, "triage": triage, "backend": backend,
                  "threads": threads} if name == "baozhi_model" else {}
        nlp.add_pipe(name, config=config)
    return nlp
