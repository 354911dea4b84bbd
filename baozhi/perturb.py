"""Robustness harness: a gold page perturbed the way real pages come, with its gold moved along.

Each perturbation is a list of edits on the original text: insertions (page furniture, captions,
line breaks, blank runs, typeset spaces) and same-length character replacements (full-width digits,
traditional characters). Every span of the gold is mapped through the edits, so
`text[start:end] == span["text"]` still holds; a span with an insertion inside it grows to cover it.
Perturbations are seeded: the same page, name and seed give the same perturbed page.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from .gold import iter_spans

MASTHEADS = ["经济日报　{y}年{m}月{d}日　星期{w}　第{p}版　产经", "第{p}版　{y}年{m}月{d}日　星期{w}　要闻",
             "{y}年{m}月{d}日　星期{w}　责编：陈　晨　第 {p} 版"]
FOOTERS = ["本版责编：王　芳　版式设计：李　明", "责任编辑：赵　敏　校对：孙　磊\n电话：010-58392210　邮箱：news@example.cn",
           "地址：北京市朝阳区建国路99号　邮编：100020　广告许可证：京朝工商广字第0012号"]
DAODU = "本期导读\n\n{a}……2版\n\n{b}……5版\n\n"
DAODU_LINES = ["夏粮收购进度快于上年", "新能源汽车出口保持增势", "多地出台稳就业举措", "跨境电商驶入快车道"]
CAPTIONS = ["图为工人在生产线上作业。　本报记者　刘　洋摄", "（资料图片）", "图为港口集装箱码头一角。　新华社记者　周　明摄"]
WEEKDAYS = "一二三四五六日"
DIGITS = "0123456789"
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in DIGITS + "%."}


@dataclass(frozen=True)
class Perturbed:
    text: str
    gold: dict


def _spans_inside(gold: dict, kinds: tuple[str, ...] = ("facts",)) -> list[dict]:
    return [s for k in kinds for _, s in iter_spans(gold.get(k, []))]


def _apply(text: str, gold: dict, inserts: list[tuple[int, str]], replace: dict[int, str] | None = None) -> Perturbed:
    """Apply insertions (position, text; several at one position keep their order) and same-length
    replacements, and move every gold span along."""
    replace = replace or {}
    inserts = sorted(inserts, key=lambda x: x[0])
    out, pos = [], 0
    for at, piece in inserts:
        out.append("".join(replace.get(i, text[i]) for i in range(pos, at)))
        out.append(piece)
        pos = at
    out.append("".join(replace.get(i, text[i]) for i in range(pos, len(text))))
    new_text = "".join(out)
    positions, cumulative, total = [], [], 0
    for at, piece in inserts:
        total += len(piece)
        positions.append(at)
        cumulative.append(total)

    def shift(offset: int, is_end: bool) -> int:
        # an insertion at a span's start goes before it; at its end, after it
        n = bisect_left(positions, offset) if is_end else bisect_right(positions, offset)
        return offset + (cumulative[n - 1] if n else 0)

    moved = copy.deepcopy({k: v for k, v in gold.items() if not k.startswith("_")})
    for _, span in iter_spans({k: v for k, v in moved.items() if isinstance(v, (list, dict))}):
        start, end = span["start"], span["end"]
        span["start"], span["end"] = shift(start, False), shift(end, True) if end > start else shift(start, False)
        span["text"] = new_text[span["start"]:span["end"]]
    for article in moved.get("articles") or []:  # an article's bounds are offsets without a text
        article["start"], article["end"] = shift(article["start"], False), shift(article["end"], True)
    moved["sha256"] = hashlib.sha256(new_text.encode("utf-8")).hexdigest()
    moved["encoding"] = "utf-8"  # a perturbed page is new text
    return Perturbed(new_text, moved)


def _paragraph_gaps(text: str, gold: dict) -> list[int]:
    """Positions right after a blank line inside an article (not before its first line)."""
    starts = {a["start"] for a in gold.get("articles", []) or []}
    gaps = [m.end() for m in re.finditer(r"\n\n+", text)]
    return [g for g in gaps if g not in starts and g < len(text)]


def masthead(text: str, gold: dict, rng: random.Random) -> Perturbed:
    line = rng.choice(MASTHEADS).format(y=2024, m=rng.randint(1, 12), d=rng.randint(1, 28),
                                        w=rng.choice(WEEKDAYS), p=rng.randint(1, 16))
    return _apply(text, gold, [(0, line + "\n\n")])


def footer(text: str, gold: dict, rng: random.Random) -> Perturbed:
    return _apply(text, gold, [(len(text), "\n\n" + rng.choice(FOOTERS) + "\n")])


def daodu(text: str, gold: dict, rng: random.Random) -> Perturbed:
    a, b = rng.sample(DAODU_LINES, 2)
    return _apply(text, gold, [(0, DAODU.format(a=a, b=b))])


def caption(text: str, gold: dict, rng: random.Random) -> Perturbed:
    gaps = _paragraph_gaps(text, gold)
    picked = rng.sample(gaps, min(2, len(gaps)))
    return _apply(text, gold, [(g, rng.choice(CAPTIONS) + "\n\n") for g in picked])


def break_numbers(text: str, gold: dict, rng: random.Random) -> Perturbed:
    """A column break inside numbers and words: a line break between two digits of a value or
    change, and between two CJK characters of a metric."""
    cuts = []
    for span in _spans_inside(gold):
        inner = [span["start"] + i for i in range(1, len(span["text"]))
                 if span["text"][i - 1] in DIGITS and span["text"][i] in DIGITS]
        inner += [span["start"] + i for i in range(1, len(span["text"]))
                  if _cjk(span["text"][i - 1]) and _cjk(span["text"][i])]
        if inner and rng.random() < 0.3:
            cuts.append(rng.choice(inner))
    return _apply(text, gold, [(c, "\n") for c in sorted(set(cuts))])


def blank_runs(text: str, gold: dict, rng: random.Random) -> Perturbed:
    gaps = [m.end() for m in re.finditer(r"\n\n", text)]
    return _apply(text, gold, [(g, rng.choice([" \n\n", "\n\n", "　\n \n\n"])) for g in gaps if rng.random() < 0.5])


def digit_spaces(text: str, gold: dict, rng: random.Random) -> Perturbed:
    """Typeset spaces between digits and CJK characters (`2856 亿元`, `增长 9%`)."""
    edges = [i for i in range(1, len(text)) if (text[i - 1] in DIGITS and _cjk(text[i]))
             or (_cjk(text[i - 1]) and text[i] in DIGITS)]
    return _apply(text, gold, [(i, " ") for i in edges if rng.random() < 0.6])


def full_width(text: str, gold: dict, rng: random.Random) -> Perturbed:
    return _apply(text, gold, [], {i: FULL_WIDTH[c] for i, c in enumerate(text) if c in FULL_WIDTH})


def _traditional(config: str) -> Callable:
    def convert(text: str, gold: dict, rng: random.Random) -> Perturbed:
        conv = _converter(config)
        replace = {}
        for i, c in enumerate(text):
            t = conv(c)
            if t != c and len(t) == 1:
                replace[i] = t
        return _apply(text, gold, [], replace)
    convert.__name__ = config
    return convert


@cache
def _converter(config: str) -> Callable[[str], str]:
    from opencc import OpenCC

    opencc = OpenCC(config)
    return cache(opencc.convert)


def _cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff"


PERTURBATIONS: dict[str, Callable[[str, dict, random.Random], Perturbed]] = {
    "masthead": masthead, "footer": footer, "daodu": daodu, "caption": caption, "break_numbers": break_numbers,
    "blank_runs": blank_runs, "digit_spaces": digit_spaces, "full_width": full_width,
    "s2hk": _traditional("s2hk"), "s2tw": _traditional("s2tw"),
}


def perturb(text: str, gold: dict, name: str, seed: int = 0) -> Perturbed:
    """`text` and its `gold` under the perturbation `name` (one of PERTURBATIONS)."""
    if name not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {name!r} (one of {', '.join(PERTURBATIONS)})")
    digest = hashlib.sha256(f"{seed}:{name}:{gold.get('file', '')}".encode()).digest()
    return PERTURBATIONS[name](text, gold, random.Random(int.from_bytes(digest[:8], "big")))
