"""Stage 3: split a repaired page into furniture and articles.

Works on the lines of the repaired view. Furniture (masthead, running heads, credits, contact
lines, 导读 boxes) is set aside first; the masthead is parsed into the page block. A headline is a
short unpunctuated line with a structural signal around it (top of page, after a source line /
`(下转…)` / trailing byline, followed by a dateline, a byline, a `——` subtitle or a `(上接…)`
paragraph); the heading lines just above a headline's signal form its group (引题 kicker, 主题
title, 副题 subtitle). Other short unpunctuated lines are sections, or item headings in a brief box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .lexicon import (
    BRIEF_HEADINGS,
    CAPTION_PREFIXES,
    CHINESE_DIGITS,
    CLAUSE_END,
    CONTACT_WORDS,
    CREDIT_ROLES,
    DAODU_HEADINGS,
    ELLIPSIS,
    alternation,
)
from .model import Article, Continuation, Furniture, PageInfo, TextView
from .numbers import chinese_to_int

_SOURCE = re.compile(r"^(?:数据|资料|信息)?来源[：:]")
_CONT_FROM = re.compile(r"^[（(]上接第?([0-9一二三四五六七八九十]+)版[）)]")
_CONT_TO = re.compile(r"[（(]下转第?([0-9一二三四五六七八九十]+)版[）)]$")
_TRAILING_BYLINE = re.compile(r"[（(](?:记者|本报记者|通讯员|文|作者)?\s*[\u4e00-\u9fff·](?:[\u4e00-\u9fff·]|[ \u3000](?=[\u4e00-\u9fff])){1,4}"
                              r"(?:[ 、][\u4e00-\u9fff]{2,4})*[）)]$")
_BYLINE_PREFIX = re.compile(r"^[□■●◆]?\s*(?:本报记者|本报特约记者|特约记者|记者|通讯员|本报通讯员|实习生|作者|文[/／:：]|撰文|编者按)")
_ORG_SUFFIX = re.compile(r"(?:局|部|司|厅|委|委员会|办公室|办|中心|研究院|研究所|协会|学会|联合会|报社|集团|公司|处|署|统计局|小组)$")
_CN_YEAR = "".join(CHINESE_DIGITS) + "〇零"
_DATE = re.compile(rf"(?:(?P<roc>中华民国|民国)(?P<rocy>\d{{2,3}})|(?P<y>\d{{4}})|(?P<cny>[{_CN_YEAR}]{{4}}))年"
                   r"\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})日")
_EDITION = re.compile(r"第\s*(?P<n>\d{1,3}|[一二三四五六七八九十]{1,3})\s*版|(?<![A-Za-z])(?P<ab>[A-Z]\d{1,2})\s*版?(?=\s|$)")
_WEEKDAY = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]")
_CREDIT = re.compile(rf"^(?:{alternation(CREDIT_ROLES)})(?:\s*[：:]|\s)")
_CONTACT = re.compile(rf"^(?:本报|本刊)?(?:{alternation(CONTACT_WORDS)})(?:\s*[：:]|\s)|(?:www\.|https?://|\.com\b|\.cn\b|@)")
_DAODU = re.compile(rf"^[【\[［]?(?:{alternation(DAODU_HEADINGS)})[】\]］]?$")
_DAODU_ENTRY = re.compile(r"^[□■●◆◇▲△▶►·•★☆]|(?:第\s*\d{1,3}\s*版|[A-Z]\d{1,2}(?:版)?|\d{1,2}版)$")
_BRIEF = re.compile(rf"(?:{alternation(BRIEF_HEADINGS)})$")
_DATELINE = re.compile(
    r"^[【\[［]?(?:本报|本刊|新华社|中新社|人民网|新华网|央视网|央广网|中新网)"
    r"[\u4e00-\u9fff]{0,8}(?:\d{1,2}月\d{1,2}日)?(?:电|讯)[】\]］]?")
_LEAD_CREDIT = re.compile(r"^[（(](?:本报|本報)?(?:记者|通讯员|实习生)[^）)]{1,30}[）)]")
_SUBTITLE = re.compile(r"^(?:——|—|--|－－)")
_CAPTION = re.compile(rf"^(?:{alternation(CAPTION_PREFIXES)})|^[（(]?(?:资料图片|图片来源[^）)]*|新华社发)[）)]?$|摄$")
_BRACKET_HEAD = re.compile(r"^【[^】]{2,60}】(?=\s*\S)")
_QA = re.compile(r"^(?:记者|问|答|主持人)[：:]")
_SENTENCE_PUNCT = re.compile(f"[{CLAUSE_END}]")
_TERMINAL = CLAUSE_END + ELLIPSIS


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
    kicker: Line | None = None
    subtitle: Line | None = None
    dateline: Line | None = None
    kind: str = "article"
    captions: list[Line] = field(default_factory=list)
    byline: Line | None = None
    source_line: Line | None = None
    sections: list[Line] = field(default_factory=list)
    paragraphs: list[Line] = field(default_factory=list)
    continued_from: tuple[int, Line] | None = None
    continued_to: tuple[int, Line] | None = None


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


@dataclass
class PageLayout:
    """A page's furniture and articles, in view offsets."""

    articles: list[Layout] = field(default_factory=list)
    furniture: list[tuple[str, Line]] = field(default_factory=list)
    masthead: Line | None = None


@lru_cache(maxsize=8192)
def _kind(text: str) -> str:
    """The class of one line: caption, dateline, subtitle, a credit or `(下转…)` marker standing
    alone, byline, heading, or body."""
    if _CAPTION.search(text) and len(text) <= 80:
        return "caption"
    if _TRAILING_BYLINE.fullmatch(text) or _CONT_TO.fullmatch(text):
        return "credit"
    if _DATELINE.match(text):
        return "dateline"
    if _SUBTITLE.match(text) and len(text) <= 60 and "。" not in text:
        return "subtitle"
    if _is_heading(text):
        return "byline" if _is_byline(text) else "heading"
    return "body"


def _brief_heading(text: str) -> bool:
    text = re.sub(r"\s", "", text)
    return len(text) <= 10 and bool(_BRIEF.search(text))


def _masthead(text: str) -> bool:
    if len(text) > 90 or _SENTENCE_PUNCT.search(text):
        return False
    signals = bool(_DATE.search(text)) + bool(_EDITION.search(text)) + bool(_WEEKDAY.search(text))
    return signals >= 2


def _latin(text: str) -> bool:
    letters = sum(c.isascii() and c.isalpha() for c in text)
    return letters >= 8 and letters * 2 >= len(text.replace(" ", "").replace("\u3000", "")) \
        and not _SENTENCE_PUNCT.search(text)


def _furniture(lines: list[Line]) -> tuple[dict[int, str], Line | None]:
    kinds: dict[int, str] = {}
    masthead = None
    i = 0
    while i < len(lines):
        t = lines[i].text
        if _DAODU.match(t):
            j = i + 1
            while j < len(lines) and _DAODU_ENTRY.search(lines[j].text) and len(lines[j].text) <= 60:
                j += 1
            if j > i + 1:
                kinds.update({k: "daodu" for k in range(i, j)})
                i = j
                continue
        if _masthead(t):
            kinds[i] = "running_head" if masthead else "masthead"
            if masthead is None and i <= 3:  # `江西日报` / `JIANGXI DAILY` / `中共江西省委机关报` above the date line
                kinds.update({k: "masthead" for k in range(i) if len(lines[k].text) <= 24
                              and not _SENTENCE_PUNCT.search(lines[k].text)})
            masthead = masthead or lines[i]
        elif not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", t):
            kinds[i] = "other"  # rules and ornaments (━━━━)
        elif "。" not in t and _CREDIT.match(t):
            kinds[i] = "credit"
        elif "。" not in t and len(t) <= 100 and _CONTACT.search(t):
            kinds[i] = "contact"
        elif _latin(t):
            kinds[i] = "other"
        i += 1
    return kinds, masthead


def _group_ends(lines: list[Line], kinds: list[str]) -> list[int]:
    """For each line, the end of the headline-group candidate starting there: heading lines, then
    any subtitle, byline and dateline-only lines. One backward pass, so a long run of heading-like
    lines costs linear time rather than a rescan per line."""
    n = len(lines)
    trailing_end, heading_end = [n] * (n + 1), [n] * (n + 1)
    for j in range(n - 1, -1, -1):
        trails = kinds[j] in ("subtitle", "byline", "credit") or kinds[j] == "dateline" and _is_heading(lines[j].text)
        trailing_end[j] = trailing_end[j + 1] if trails else j
        heading_end[j] = heading_end[j + 1] if kinds[j] == "heading" else j
    return [trailing_end[heading_end[i]] for i in range(n)]


def _dateline(line: Line) -> tuple[Line, Line | None]:
    """The dateline at the start of a line and the byline right after it (`本报讯（记者 X）`,
    `本报北京6月17日讯　记者 X`), if any."""
    m = _DATELINE.match(line.text)
    date = Line(line.start, line.start + m.end(), m.group(0))
    rest = line.text[m.end():]
    lead = len(rest) - len(rest.lstrip())
    b = _LEAD_CREDIT.match(rest.lstrip())
    if b:
        s = line.start + m.end() + lead
        return date, Line(s, s + b.end(), b.group(0))
    if rest.strip() and _is_heading(rest.strip()):
        s = line.start + m.end() + lead
        return date, Line(s, s + len(rest.strip()), rest.strip())
    return date, None


def _open(group: list[Line]) -> Layout:
    """An article from its headline group."""
    heads = [x for x in group if _kind(x.text) == "heading"]
    lay = Layout(title=None, lines=list(group))
    if heads and _brief_heading(heads[0].text):
        lay.title, lay.kind, lay.sections = heads[0], "brief", heads[1:]
    elif len(heads) >= 2:
        lay.kicker, lay.title = heads[0], heads[1]
        lay.sections = heads[2:]
    elif heads:
        lay.title = heads[0]
    for x in group:
        kind = _kind(x.text)
        if kind == "subtitle" and lay.subtitle is None:
            lay.subtitle = x
        elif kind in ("byline", "credit") and lay.byline is None:
            lay.byline = x
        elif kind == "dateline":
            lay.dateline, byline = _dateline(x)
            lay.byline = lay.byline or byline
    return lay


def segment(text: str) -> PageLayout:
    """Furniture, then articles from the remaining lines."""
    every = _lines(text)
    kinds, masthead = _furniture(every)
    page = PageLayout(furniture=[(kinds[i], line) for i, line in enumerate(every) if i in kinds], masthead=masthead)
    lines = [line for i, line in enumerate(every) if i not in kinds]
    kinds_of = [_kind(line.text) for line in lines]
    group_ends = _group_ends(lines, kinds_of)
    current: Layout | None = None
    i = 0
    while i < len(lines):
        line, prev = lines[i], lines[i - 1] if i else None
        t = line.text
        kind = kinds_of[i]
        if kind == "credit" and current is not None:  # `（常　宁）`, `（下转第4版）` after the body
            current.lines.append(line)
            m = _CONT_TO.fullmatch(t)
            if m:
                current.continued_to = (_number(m.group(1)), line)
            elif current.byline is None:
                current.byline = line
            i += 1
            continue
        if kind == "caption" and current is not None:
            current.captions.append(line)
            current.lines.append(line)
            i += 1
            continue
        if kind in ("heading", "subtitle"):
            j = group_ends[i]
            nxt = lines[j] if j < len(lines) else None
            strong = kinds_of[j - 1] != "heading" or _brief_heading(t) or nxt is not None and (
                kinds_of[j] == "dateline" or bool(_CONT_FROM.match(nxt.text) or _LEAD_CREDIT.match(nxt.text)))
            in_title_block = current is not None and not current.paragraphs and not current.sections
            brief = current is not None and current.kind == "brief"
            weak = not brief and (prev is None or _ends_article(prev) or current is None
                                  or len(t) >= 16 and not in_title_block)
            if kind == "heading" and in_title_block and current.byline is None and _is_byline(t):
                current.byline = line
                current.lines.append(line)
                i += 1
                continue
            if kind == "subtitle" and in_title_block and current.subtitle is None:
                current.subtitle = line
                current.lines.append(line)
                i += 1
                continue
            if strong or weak:
                group = lines[i:j] if strong else lines[i:i + 1]  # a lone headline; later heading lines are its sections
                current = _open(group)
                page.articles.append(current)
                i += len(group)
                continue
            current.sections.append(line)
            current.lines.append(line)
            i += 1
            continue
        bracket = _BRACKET_HEAD.match(t) if kind == "body" else None
        if bracket:  # `【…】正文`: a flash's headline run into its body on one line
            head = Line(line.start, line.start + bracket.end(), bracket.group(0))
            lead = len(t) - len(t[bracket.end():].lstrip())
            line = Line(line.start + lead, line.end, t[lead:])
            t = line.text
            if current is None or current.paragraphs and current.kind != "brief":
                current = Layout(title=head, lines=[head])
                page.articles.append(current)
            else:
                current.sections.append(head)
                current.lines.append(head)
        if current is None:  # prose before any headline: an untitled article (continued text)
            current = Layout(title=None)
            page.articles.append(current)
        current.lines.append(line)
        if kind == "dateline" and not current.paragraphs and current.dateline is None:
            current.dateline, byline = _dateline(line)
            current.byline = current.byline or byline
        if _QA.match(t):
            current.kind = "qa" if current.kind == "article" else current.kind
        if _SOURCE.match(t):
            current.source_line = line
            i += 1
            continue
        m = _CONT_FROM.match(t)
        if m and not current.paragraphs:
            marker = Line(line.start, line.start + m.end(), m.group(0))
            current.continued_from = (_number(m.group(1)), marker)
        m = _CONT_TO.search(t)
        if m:
            marker = Line(line.start + m.start(), line.end, m.group(0))
            current.continued_to = (_number(m.group(1)), marker)
        m = _TRAILING_BYLINE.search(t)
        if m and current.byline is None and len(t) > len(m.group(0)):
            current.byline = Line(line.start + m.start(), line.end, m.group(0))
        current.paragraphs.append(line)
        i += 1
    page.articles = [lay for lay in page.articles if lay.paragraphs or lay.title]
    return page


def _number(token: str) -> int:
    return int(token) if token.isdigit() else chinese_to_int(token)


def page_info(page: PageLayout, view: TextView) -> PageInfo:
    """The page block from the masthead: paper, ISO date, page number, section (original text)."""
    line = page.masthead
    if line is None:
        return PageInfo()
    t = line.text
    info = PageInfo(masthead=view.span(line.start, line.end))
    date = _DATE.search(t)
    if date:
        if date["roc"]:
            year = int(date["rocy"]) + 1911
        elif date["cny"]:
            year = int("".join(str(CHINESE_DIGITS.get(c, 0)) for c in date["cny"]))
        else:
            year = int(date["y"])
        month, day = _number(date["m"]), _number(date["d"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            info.date = f"{year:04d}-{month:02d}-{day:02d}"
    first = min([m.start() for m in (date, _WEEKDAY.search(t), _EDITION.search(t)) if m] or [len(t)])
    names = [w for w in re.split(r"\s+", t[:first]) if w and not _latin(w) and re.search(r"[\u4e00-\u9fff]", w)]
    if names:
        s = line.start + t.index(names[0])
        info.paper = view.span(s, s + len(names[0])).text
    edition = _EDITION.search(t)
    if edition:
        info.page = _number(edition["n"]) if edition["n"] else int(edition["ab"][1:])
        rest = t[edition.end():].strip()
        if rest and not _WEEKDAY.fullmatch(rest) and not _DATE.search(rest):
            s = line.start + t.index(rest, edition.end())
            info.section = view.span(s, s + len(rest)).text
    return info


def furniture(page: PageLayout, view: TextView) -> list[Furniture]:
    """Furniture in original offsets; the lines of one 导读 box (or one masthead) become one span."""
    out: list[Furniture] = []
    for kind, line in page.furniture:
        if kind in ("daodu", "masthead") and out and out[-1].kind == kind and _adjacent(view, out[-1].span.end, line.start):
            s = out[-1].span.start
            out[-1] = Furniture(kind, view.span(view.from_original(s), line.end))
        else:
            out.append(Furniture(kind, view.span(line.start, line.end)))
    return out


def _adjacent(view: TextView, end: int, start: int) -> bool:
    return not view.original[end:view.to_original(start, start + 1)[0]].strip()



def to_article(layout: Layout, view: TextView) -> Article:
    def span(line: Line | None):
        return view.span(line.start, line.end) if line else None

    start = layout.lines[0].start if layout.lines else 0
    end = layout.lines[-1].end if layout.lines else 0
    s, e = view.to_original(start, end)
    art = Article(start=s, end=e, title=span(layout.title), kicker=span(layout.kicker),
                  subtitle=span(layout.subtitle), dateline=span(layout.dateline), kind=layout.kind,
                  captions=[span(x) for x in layout.captions], byline=span(layout.byline),
                  source_line=span(layout.source_line), sections=[span(x) for x in layout.sections])
    if layout.continued_from:
        art.continued_from = Continuation(layout.continued_from[0], span(layout.continued_from[1]))
    if layout.continued_to:
        art.continued_to = Continuation(layout.continued_to[0], span(layout.continued_to[1]))
    return art
