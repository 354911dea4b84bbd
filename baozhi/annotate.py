"""Stage 4: the carrier and its stages. A `PageDoc` carries one page's repaired, folded view
through an ordered list of stages; each stage reads what earlier stages left on it and adds its
own results (original offsets, the output model):

    articles → [facts → directives →] entities → [model →] checks

The rule stages fill each article's facts, directives and entities; the model stage reads them
(its hints, and the names of lines outside the body) and replaces them with its own. spaCy is
for export only (`PageResult.to_spacy`, the interchange formats): no stage needs its tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .extract.checks import check_article
from .extract.directives import DirectiveExtractor
from .extract.entities import EntityExtractor
from .extract.facts import FactExtractor
from .extract.words import load_dictionary, make_segmenter
from .model import Article, Furniture, PageInfo, TextView
from .segment import Layout, furniture, page_info, segment, to_article


@dataclass
class PageDoc:
    """One page in flight: the view every stage reads, and what the stages have found so far."""

    view: TextView
    layouts: list[Layout] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    page: PageInfo | None = None
    furniture: list[Furniture] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        """The page's year from its masthead date, for relative periods (今年, 5月份)."""
        date = self.page.date if self.page else None
        return int(date[:4]) if date else None

    def body(self, index: int) -> list[tuple[int, int]]:
        """The view ranges of article `index`'s paragraphs."""
        return [(p.start, p.end) for p in self.layouts[index].paragraphs]

    def headings(self, index: int) -> list[tuple[int, int]]:
        """Article `index`'s headline group lines: their periods govern the body."""
        layout = self.layouts[index]
        return [(x.start, x.end) for x in (layout.kicker, layout.title, layout.subtitle) if x is not None]

    def lines(self, index: int) -> list[tuple[int, int]]:
        return [(line.start, line.end) for line in self.layouts[index].lines]


Stage = Callable[[PageDoc], None]


def articles_stage(doc: PageDoc) -> None:
    layout = segment(doc.view.text)
    doc.layouts = layout.articles
    doc.page, doc.furniture = page_info(layout, doc.view), furniture(layout, doc.view)
    doc.articles = [to_article(lay, doc.view) for lay in doc.layouts]


def facts_stage(doc: PageDoc) -> None:
    extractor = FactExtractor(doc.view, doc.year)
    for i, article in enumerate(doc.articles):
        article.facts = extractor.article(doc.body(i), doc.headings(i))


def directives_stage(doc: PageDoc) -> None:
    extractor = DirectiveExtractor(doc.view)
    for i, article in enumerate(doc.articles):
        article.directives = extractor.article(doc.body(i))


class EntitiesStage:
    """The rules' names on every line of each article, with the words of the chosen segmenter."""

    def __init__(self, segmenter: str | None = None, pkuseg_model: str | None = None):
        self.words = make_segmenter(segmenter, pkuseg_model)

    def __call__(self, doc: PageDoc) -> None:
        extractor = EntityExtractor(doc.view, self.words)
        for i, article in enumerate(doc.articles):
            article.entities = extractor.article(doc.lines(i))


def checks_stage(doc: PageDoc) -> None:
    for article in doc.articles:
        article.checks = check_article(article.facts)


class ModelStage:
    """Facts, directives and entities from a fine-tuned model (`baozhi.extract.neural`).

    The model reads body paragraphs; a model trained with hints also reads the rule stages' output
    on the page as input features. Lines outside the body (titles, bylines, section headings,
    source lines) are layout, not sent to the model: their names stay the rules'."""

    def __init__(self, path: str, batch_size: int = 32, quantize: bool = False, triage: str = "sentence",
                 backend: str = "auto", threads: int = 1):
        from .extract.neural import NeuralExtractor

        self.extractor = NeuralExtractor(path, batch_size=batch_size, quantize=quantize, triage=triage,
                                         backend=backend, threads=threads)

    @property
    def use_hints(self) -> bool:
        return self.extractor.config.use_hints

    def __call__(self, doc: PageDoc) -> None:
        """One model pass per page (windows of all articles batched together, by length)."""
        from .extract.neural import RuleHints

        view = doc.view
        paragraphs = [doc.body(i) for i in range(len(doc.articles))]
        hints = RuleHints.from_rules([f for a in doc.articles for f in a.facts],
                                     [d for a in doc.articles for d in a.directives],
                                     [e for a in doc.articles for e in a.entities], view) if self.use_hints else None
        found = zip(doc.articles, paragraphs, self.extractor.articles(view, paragraphs, hints), strict=True)
        for article, paras, (facts, directives, entities) in found:
            outside = [e for e in article.entities if not _within(view.from_original(e.span.start), paras)]
            article.facts, article.directives = facts, directives
            article.entities = sorted(entities + outside, key=lambda e: (e.span.start, e.span.end))


def _within(position: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= position < t for s, t in ranges)


class Pipeline:
    """The ordered, named stages of one extractor; calling it runs them over a view."""

    def __init__(self, stages: list[tuple[str, Stage]]):
        self.stages = stages

    @property
    def pipe_names(self) -> list[str]:
        return [name for name, _ in self.stages]

    def get(self, name: str) -> Stage:
        return dict(self.stages)[name]

    def __call__(self, view: TextView) -> PageDoc:
        doc = PageDoc(view)
        for _, stage in self.stages:
            stage(doc)
        return doc


RULE_STAGES = ["articles", "facts", "directives", "entities", "checks"]


def make_pipeline(segmenter: str | None = None, pkuseg_model: str | None = None, model: str | None = None,
                  quantize: bool = False, triage: str = "sentence", backend: str = "auto",
                  threads: int = 1) -> Pipeline:
    """The rules' stages; with `model`, a fine-tuned model replaces their facts, directives and
    entities (the rules' facts and directives run only for a model trained with hints).
    `segmenter` cuts the rules' words: jieba (default), or pkuseg with a model path."""
    entities = EntitiesStage(segmenter, pkuseg_model)
    load_dictionary()  # jieba's part-of-speech column (and its words), once per process
    if not model:
        stages = [articles_stage, facts_stage, directives_stage, entities, checks_stage]
        return Pipeline(list(zip(RULE_STAGES, stages, strict=True)))
    neural = ModelStage(str(model), quantize=quantize, triage=triage, backend=backend, threads=threads)
    rules = [("facts", facts_stage), ("directives", directives_stage)] if neural.use_hints else []
    return Pipeline([("articles", articles_stage), *rules, ("entities", entities), ("model", neural),
                     ("checks", checks_stage)])
