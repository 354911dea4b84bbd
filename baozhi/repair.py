"""Stage 2: layout repair of PDF/OCR text.

PDF extraction breaks lines mid-word and mid-number, inserts blank and space-only lines and
repeats a unit at column breaks. Repair only *deletes* characters of the view (so the map to
the original stays one list) and records every edit. Paragraphs end up separated by one "\n".
"""

from __future__ import annotations

import re

from .lexicon import BASE_UNITS, CLAUSE_END, CLOSING, ELLIPSIS, MULTIPLIERS, PERCENT_UNITS
from .model import Repair, TextView

TERMINAL = CLAUSE_END + ELLIPSIS + CLOSING
CLAUSE_PUNCT = "，。；！？、"
_UNIT_ALT = "|".join(
    sorted({m + u for m in list(MULTIPLIERS) + [""] for u in BASE_UNITS} | set(PERCENT_UNITS), key=len, reverse=True)
)
_LEADING_UNIT = re.compile(rf"^(?:{_UNIT_ALT})(?=[，,；;。、）)])")
_LEADING_QUANTITY = re.compile(rf"^[\d.,]+(?:{_UNIT_ALT})[，。；、）)]")
# A new paragraph may begin with these even when the previous line looks unfinished.
_PARAGRAPH_START = re.compile(
    r"^(?:[一二三四五六七八九十]+是|[（(][一二三四五六七八九十\d]+[）)]|第[一二三四五六七八九十]+[，,、]|首先|其次|再次|最后"
    r"|[（(]上接第|会议|数据来源|资料来源|\d{1,2}[.、．](?=\s*[^\d\s]))"
)


RANGE_SIGNS = "~～-–—至到"
_SPACE_RUN = re.compile(r"[ \t]+")


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _typeset_space(text: str, start: int, end: int) -> bool:
    """Whether spaces inside a line are typesetting, not words apart: between a digit and a CJK
    character, unit, % or range sign (`2856 亿元`, `增长 9%`, `1~5 月`, `第 6 版`), or a thin
    thousands space inside a number (`8 075亿美元`)."""
    if start == 0 or end >= len(text):
        return False
    left, right = text[start - 1], text[end]
    if left.isdigit():
        if _cjk(right) or right in "%‰" or right in RANGE_SIGNS:
            return True
        return right.isdigit() and re.match(r"\d{3}(?!\d)", text[end:end + 4]) is not None \
            and re.search(r"(?<![\d.])\d{1,3}$", text[max(0, start - 4):start]) is not None
    return (_cjk(left) or left in RANGE_SIGNS) and right.isdigit()


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line, end excluding trailing whitespace."""
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.rstrip()
        lead = len(stripped) - len(stripped.lstrip())
        if stripped.strip():
            out.append((pos + lead, pos + len(stripped)))
        pos += len(line) + 1
    return out


def _should_join(a: str, b: str) -> str | None:
    """Why line `a` continues on line `b`, or None when `b` starts a new paragraph."""
    if not a or not b:
        return None
    if b[0] in "，。、；%）)" or _LEADING_UNIT.match(b):
        return "next line starts with punctuation or a unit"
    if a[-1] in TERMINAL or a[-1] in "：:" or a.endswith(("摄", "攝")):  # a photo credit ends its caption
        return None
    if _PARAGRAPH_START.match(b):
        return None
    if a[-1].isdigit() and (b[0].isdigit() or b[0] in ".．%％—–-~～至到月年日万亿个"):
        return "number broken across lines"
    if re.search(r"\d[.．]$", a) and b[0].isdigit():
        return "number broken at its decimal point"
    if a.count("（") + a.count("(") > a.count("）") + a.count(")"):
        return "line ends inside brackets"
    if _LEADING_QUANTITY.match(b):
        return "line ends before a number"
    if any(p in a for p in "，。；！？"):
        return "line ends mid-sentence"
    fragment = re.match(r"^([^，。；！？、]{1,2})([。，；！？])", b)
    if fragment and (fragment.group(2) != "，" or _is_word(a[-2:], fragment.group(1))):
        return "line ends mid-word"
    if _cjk(a[-1]) and _cjk(b[0]) and not _NEW_LINE_START.match(b) and _cut_across(a[-3:], b[:3]):
        return "a word is cut by the line break"
    return None


# A line that starts with these begins something of its own (a dateline, a byline, a caption).
_NEW_LINE_START = re.compile(r"^(?:本报|本報|新华社|新華社|记者|記者|通讯员|图为|圖為|编者按|责任编辑|本版|【|□|■|●|◆)")


def _cut_across(left: str, right: str) -> bool:
    """Whether jieba, segmenting across the break, makes a word of characters from both sides
    (`上\n半年`, `进\n出口`) — a column break, not a paragraph or headline end."""
    import jieba

    jieba.setLogLevel(60)
    pos = 0
    for word in jieba.lcut(left + right, HMM=False):
        if pos < len(left) < pos + len(word):
            return True
        pos += len(word)
    return False


def _is_word(left: str, right: str) -> bool:
    """Whether a dictionary word spans the break: it takes characters from both sides."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()  # get_FREQ answers None until the dictionary is loaded
    chars = left + right
    cut = len(left)
    return any(jieba.get_FREQ(chars[i:j]) for i in range(cut) for j in range(cut + 1, len(chars) + 1))


def repair(view: TextView) -> tuple[TextView, list[Repair]]:
    text = view.text
    keep = [True] * len(text)
    repairs: list[Repair] = []
    lines = _lines(text)

    def delete(start: int, end: int, kind: str, note: str) -> None:
        for i in range(start, end):
            keep[i] = False
        s, e = view.to_original(start, end)
        repairs.append(Repair(kind, s, e, view.original[s:e], note))

    # whitespace before the first and after the last line
    if lines:
        for i in range(0, lines[0][0]):
            keep[i] = False
        for i in range(lines[-1][1], len(text)):
            keep[i] = False

    for (a_start, a_end), (b_start, b_end) in zip(lines, lines[1:], strict=False):
        a, b = text[a_start:a_end], text[b_start:b_end]
        gap = text[a_end:b_start]
        unit = _LEADING_UNIT.match(b)
        if unit and a.rstrip(TERMINAL).endswith(unit.group(0)) and a[-1] in TERMINAL:
            # "1015亿元。\n\n亿元，同比…": drop the terminal stop, the gap and the repeated unit.
            delete(a_end - 1, b_start + len(unit.group(0)), "dup_unit",
                   f"unit {unit.group(0)} repeated at a column break")
            continue
        reason = _should_join(a, b)
        if reason:
            delete(a_end, b_start, "join_line", reason)
            continue
        # paragraph break: keep exactly one newline
        first_nl = gap.find("\n")
        extra = [i for i in range(a_end, b_start) if i != a_end + first_nl]
        for i in extra:
            keep[i] = False
        if gap.count("\n") > 2 or gap.replace("\n", ""):
            s, e = view.to_original(a_end, b_start)
            repairs.append(Repair("blank_run", s, e, view.original[s:e], "blank/space-only lines collapsed"))

    # leading indentation of lines (full-width spaces are folded to ASCII in the view)
    for start, _ in lines:
        j = start - 1
        while j >= 0 and text[j] in " \t" and keep[j]:
            keep[j] = False
            j -= 1

    # typeset spaces inside numbers and between numbers and words
    for m in _SPACE_RUN.finditer(text):
        if all(keep[m.start():m.end()]) and _typeset_space(text, m.start(), m.end()):
            delete(m.start(), m.end(), "typeset_space", "space between a number and a word or unit")

    new_text = "".join(ch for ch, k in zip(text, keep, strict=True) if k)
    new_index = [ix for ix, k in zip(view.index, keep, strict=True) if k]
    return TextView(original=view.original, text=new_text, index=new_index), repairs
