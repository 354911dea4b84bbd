"""Stage 3: split a repaired page into articles.

Works on the lines of the repaired view. A headline is a short unpunctuated line with a
structural signal around it (top of page, after a source line / `(下转…)` / trailing byline,
followed by a byline or a `(上接…)` paragraph); other short unpunctuated lines are sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Article, Continuation, TextView
from .numbers import chinese_to_int

_SOURCE = re.compile(r"^(?:数据|资料|信息)?来源[：:]")
_CONT_FROM = re.compile(r"^[（(]上接第?([0-9一二三四五六七八九十]+)版[）)]")
_CONT_TO = re.compile(r"[（(]下转第?([0-9一二三四五六七八九十]+)版[）)]$")
_TRAILING_BYLINE = re.compile(r"[（(](?:记者|本报记者|通讯员|文|作者)?\s*[\u4e00-\u9fff·]{2,4}(?:[ 、][\u4e00-\u9fff]{2,4})*[）)]$")
_BYLINE_PREFIX = re.compile(r"^(?:本报记者|本报特约记者|特约记者|记者|通讯员|本报通讯员|实习生|作者|文[/／:：]|撰文|编者按)")
_ORG_SUFFIX = re.compile(r"(?:局|部|司|厅|委|委员会|办公室|办|中心|研究院|研究所|协会|学会|联合会|报社|集团|公司|处|署|统计局|小组)$")
_SENTENCE_PUNCT = re.compile(r"[。！？；!?;]")
_TERMINAL = "。！？!?；;…"


@dataclass
class Line:
    start: int
    end: int
    text: str


@dataclass
class Layout:
    """Article skeletons in view offsets; `paragraphs` are body paragraphs only."""

    title: Line | None
    lines: list[Line] = field(default_factory=list)
    byline: Line | None = None
    source_line: Line | None = None
    sections: list[Line] = field(default_factory=list)
    paragraphs: list[Line] = field(default_factory=list)
    continued_from: tuple[int, Line] | None = None
    continued_to: tuple[int, Line] | None = None


def _page_number(token: str) -> int:
    return int(token) if token.isdigit() else chinese_to_int(token)


def _is_heading(line: str) -> bool:
    return (
        len(line) <= 40
        and not _SENTENCE_PUNCT.search(line)
        and line[-1] not in _TERMINAL + "，,、"
        and not _SOURCE.match(line)
        and not _CONT_FROM.match(line)
    )


def _is_byline(line: str) -> bool:
    return len(line) <= 30 and _is_heading(line) and bool(_BYLINE_PREFIX.match(line) or _ORG_SUFFIX.search(line))


def _lines(text: str) -> list[Line]:
    out, pos = [], 0
    for raw in text.split("\n"):
        if raw.strip():
            lead = len(raw) - len(raw.lstrip())
            stripped = raw.strip()
            out.append(Line(pos + lead, pos + lead + len(stripped), stripped))
        pos += len(raw) + 1
    return out


def _ends_article(line: Line) -> bool:
    return bool(_SOURCE.match(line.text) or _CONT_TO.search(line.text) or _TRAILING_BYLINE.search(line.text))


def segment(text: str) -> list[Layout]:
    lines = _lines(text)
    layouts: list[Layout] = []
    current: Layout | None = None
    for i, line in enumerate(lines):
        prev = lines[i - 1] if i else None
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        t = line.text
        if _is_heading(t):
            after_end = prev is None or _ends_article(prev)
            before_start = nxt is not None and (_is_byline(nxt.text) or bool(_CONT_FROM.match(nxt.text)))
            in_title_block = current is not None and not current.paragraphs and not current.sections
            if current is not None and in_title_block and current.byline is None and _is_byline(t):
                current.byline = line
                current.lines.append(line)
                continue
            if after_end or before_start or (current is not None and len(t) >= 16 and not in_title_block):
                current = Layout(title=line, lines=[line])
                layouts.append(current)
                continue
            if current is None:  # a heading-like first line with prose after it: the title
                current = Layout(title=line, lines=[line])
                layouts.append(current)
                continue
            current.sections.append(line)
            current.lines.append(line)
            continue
        if current is None:  # prose before any headline: an untitled article (continued text)
            current = Layout(title=None)
            layouts.append(current)
        current.lines.append(line)
        if _SOURCE.match(t):
            current.source_line = line
            continue
        body = line
        m = _CONT_FROM.match(t)
        if m and not current.paragraphs:
            marker = Line(line.start, line.start + m.end(), m.group(0))
            current.continued_from = (_page_number(m.group(1)), marker)
        m = _CONT_TO.search(t)
        if m:
            marker = Line(line.start + m.start(), line.end, m.group(0))
            current.continued_to = (_page_number(m.group(1)), marker)
        m = _TRAILING_BYLINE.search(t)
        if m and current.byline is None and len(t) > len(m.group(0)):
            current.byline = Line(line.start + m.start(), line.end, m.group(0))
        current.paragraphs.append(body)
    return [lay for lay in layouts if lay.paragraphs or lay.title]


def to_article(layout: Layout, view: TextView) -> Article:
    def span(line: Line | None):
        return view.span(line.start, line.end) if line else None

    start = layout.lines[0].start if layout.lines else 0
    end = layout.lines[-1].end if layout.lines else 0
    s, e = view.to_original(start, end)
    art = Article(start=s, end=e, title=span(layout.title), byline=span(layout.byline),
                  source_line=span(layout.source_line), sections=[span(x) for x in layout.sections])
    if layout.continued_from:
        art.continued_from = Continuation(layout.continued_from[0], span(layout.continued_from[1]))
    if layout.continued_to:
        art.continued_to = Continuation(layout.continued_to[0], span(layout.continued_to[1]))
    return art
