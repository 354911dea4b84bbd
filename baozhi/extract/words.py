"""Word-level lookups on jieba's dictionary (part-of-speech tags), loaded once per process."""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import tempfile
from array import array
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ..lexicon import CLAUSE_END, CLOSING

_PLACE_SUFFIX = re.compile(r"(?:省|市|县|区|州|盟|旗|镇|乡|村|地区|自治区|特别行政区)$")
_REGIONS = {"东部", "中部", "西部", "东北", "华东", "华南", "华北", "华中", "西南", "西北", "东北地区", "东部地区",
            "中部地区", "西部地区", "长三角", "珠三角", "京津冀", "粤港澳大湾区", "成渝"}
_NOT_PLACES = {"我国", "全国", "国内", "国外", "海外", "中心", "地方", "地区", "城市", "全省", "全市", "城镇", "农村", "城乡",
               "乡村", "城区", "市区", "郊区", "沿海", "内地", "境内", "境外", "新建", "新区", "本地", "当地", "广义", "狭义"}


@lru_cache(maxsize=1)
def load_dictionary() -> dict[str, str]:
    """jieba's dictionary, loaded once per process: its prefix table into jieba (what it segments
    with) and its word → part-of-speech column (returned). Both come from one cache file beside
    jieba's own, keyed by the dictionary's path, size and mtime and rebuilt when that changes or
    is unreadable: jieba's own cache (a marshalled dict) takes 0.7 s to load and jieba.posseg parses
    the 350k lines in Python on import (0.8 s); joined strings and packed arrays load in 0.3 s."""
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.dt
    path = os.path.abspath(tokenizer.dictionary or os.path.join(os.path.dirname(jieba.__file__), "dict.txt"))
    stat = os.stat(path)
    key = hashlib.sha256(f"{CACHE_FORMAT}\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    cache = Path(tokenizer.tmp_dir or tempfile.gettempdir()) / f"baozhi-jieba.{key}.marshal"
    try:
        words, counts, total, tagged, codes, names = marshal.loads(cache.read_bytes())
        prefixes = dict(zip(words.split("\n"), array("q", counts), strict=True))
        table = dict(zip(tagged.split("\n"), (names[c] for c in array("B", codes)), strict=True))
    except (OSError, EOFError, ValueError, TypeError, IndexError):
        prefixes = None
    if prefixes is not None:
        if not tokenizer.initialized:
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = prefixes, total, True
        return table
    fresh = not tokenizer.initialized  # words a user added since are not the dictionary's
    tokenizer.check_initialized()
    table = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            fields = line.split()
            if len(fields) == 3:  # word, frequency, tag (as jieba.posseg reads it)
                table[fields[0]] = fields[2]
    if fresh:
        _write_cache(cache, tokenizer.FREQ, tokenizer.total, table)
    return table


CACHE_FORMAT = 1


def _write_cache(cache: Path, prefixes: dict[str, int], total: int, table: dict[str, str]) -> None:
    if any("\n" in w for w in prefixes) or any("\n" in w for w in table):
        return  # the cache joins words with newlines
    names = sorted(set(table.values()))
    index = {name: i for i, name in enumerate(names)}
    if len(names) > 255:
        return
    blob = marshal.dumps(("\n".join(prefixes), array("q", prefixes.values()).tobytes(), total, "\n".join(table),
                          array("B", (index[t] for t in table.values())).tobytes(), names))
    tmp = None
    try:  # a cache is an optimisation: a read-only temp dir only costs the next start its second
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=cache.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.replace(tmp, cache)
    except OSError:
        if tmp:
            Path(tmp).unlink(missing_ok=True)


def tag(word: str) -> str | None:
    return load_dictionary().get(word)


def has_place_suffix(word: str) -> bool:
    return bool(_PLACE_SUFFIX.search(word))


def is_place(word: str, suffix_only: bool = False) -> bool:
    """A place by jieba's dictionary, the region list, or a place suffix. `suffix_only` accepts any
    short name with a place suffix (伍家岗区), for items already known to be a list of scopes."""
    if word in _NOT_PLACES:
        return False
    if word in _REGIONS or tag(word) == "ns":
        return True
    if not has_place_suffix(word) or len(word) > 6:
        return False
    return suffix_only and len(word) >= 2 or tag(word[:-1]) == "ns"


# jieba's HMM copies the whole Viterbi path at every character, so a run of Chinese characters that
# its dictionary cannot cut costs time quadratic in the run's length. No sentence is this long.
MAX_RUN = 200
_LONG_RUN = re.compile(f"[\u4e00-\u9fff]{{{MAX_RUN + 1},}}")
# spaCy's tokenizer re-slices the rest of its text at every word (quadratic on a long line), so lines are
# tokenized in pieces of at most MAX_PIECE characters, cut after punctuation that jieba itself cuts at.
MAX_PIECE = 1000
_CUT_AFTER = set(CLAUSE_END + CLOSING + "，,、：:")


def _by_length(text: str) -> list[str]:
    pieces, start = [], 0
    while len(text) - start > MAX_PIECE:
        cut_at = next((p for p in range(start + MAX_PIECE, start + MAX_PIECE // 2, -1)
                       if text[p - 1] in _CUT_AFTER and not text[p].isspace()), start + MAX_PIECE)
        pieces.append(text[start:cut_at])
        start = cut_at
    pieces.append(text[start:])
    return pieces


def _by_run(text: str) -> list[str]:
    if not _LONG_RUN.search(text):
        return [text]
    pieces, start = [], 0
    for m in _LONG_RUN.finditer(text):
        for cut_at in range(m.start() + MAX_RUN, m.end(), MAX_RUN):
            pieces.append(text[start:cut_at])
            start = cut_at
    pieces.append(text[start:])
    return pieces


def bounded_pieces(text: str) -> list[str]:
    """`text` in pieces of at most MAX_PIECE characters, each with runs of Chinese characters at most
    MAX_RUN long. Real text is cut only after punctuation, where jieba's words end anyway, so the
    words are the same; only hostile or garbled input (a run with no punctuation) is cut mid-run."""
    if len(text) <= MAX_PIECE and not _LONG_RUN.search(text):
        return [text]
    return [run for piece in _by_length(text) for run in _by_run(piece)]


def cut(text: str) -> list[str]:
    """jieba's words of `text`, its HMM on: it joins unknown names (王建国) into one word."""
    import jieba

    load_dictionary()
    return [word for piece in bounded_pieces(text) for word in jieba.lcut(piece)]


SEGMENTERS = ("jieba", "pkuseg")


def make_segmenter(name: str | None = None, pkuseg_model: str | None = None) -> Callable[[str], list[str]]:
    """The word segmenter the rules' entities are found with: jieba (the default, `None`), or spacy-pkuseg from a
    model the user gives (it has no model offline). The words cover the text exactly, spaces included."""
    if name in (None, "jieba"):
        return cut
    if name != "pkuseg":
        raise ValueError(f"unknown segmenter {name!r} ({' or '.join(SEGMENTERS)})")
    if not pkuseg_model:
        raise ValueError("--segmenter pkuseg needs --pkuseg-model PATH (spacy-pkuseg downloads its default model)")
    if not Path(pkuseg_model).is_dir():
        raise OSError(f"{pkuseg_model}: no pkuseg model there (a directory from spacy_pkuseg.train)")
    import spacy_pkuseg

    segmenter = spacy_pkuseg.pkuseg(str(pkuseg_model))

    def pkuseg_cut(text: str) -> list[str]:
        return [word for piece in bounded_pieces(text) for word in _covering(segmenter.cut(piece), piece)]

    return pkuseg_cut


def _covering(words: list[str], text: str) -> list[str]:
    """pkuseg drops whitespace between words; put it back as words of its own, as jieba cuts it."""
    out, pos = [], 0
    for word in words:
        start = text.find(word, pos)
        if start < 0:  # pkuseg normalised something: give up on its words for this piece
            return [text] if text else []
        if start > pos:
            out.append(text[pos:start])
        out.append(word)
        pos = start + len(word)
    if pos < len(text):
        out.append(text[pos:])
    return out


@lru_cache(maxsize=65536)
def first_word(text: str) -> str:
    """The first word jieba cuts from `text` (dictionary only, no HMM: stable on short strings)."""
    import jieba

    load_dictionary()
    words = jieba.lcut(text, HMM=False)
    return words[0] if words else ""
