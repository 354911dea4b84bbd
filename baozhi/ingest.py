"""Stage 1: bytes → original text (+ how it was decoded) → the folded view the extractor reads.

Decoding order is fixed and recorded: BOM → strict UTF-8 → strict GB18030 → Big5 →
charset-normalizer. Folding maps full-width forms to ASCII one character for one, and
traditional characters are converted only in the view, so offsets stay in the original.
"""

from __future__ import annotations

import codecs
import hashlib
import html.parser
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .model import Source, TextView

MAX_BYTES = 50 * 1024 * 1024


class IngestError(Exception):
    """Input that cannot become a page; the message is one line, naming file and reason."""


@dataclass
class Decoded:
    text: str
    encoding: str
    reason: str
    errors: int = 0  # byte sequences that decoded to U+FFFD (invalid in every codec tried)
    repaired: bool = False  # NULs removed, bytes replaced or codecs mixed: worth a warning


class DecodeWarning(UserWarning):
    """A page was decoded with damage repaired (NULs removed, invalid bytes replaced, codecs mixed)."""


# How much damage still counts as text: up to 1 % of the bytes may be NULs, and up to 1 % of the
# decoded characters may be replacements for bytes no codec reads (a short page may always have one
# NUL and two replacements). Beyond that it is not a page.
MAX_DAMAGE = 0.01
MIN_ALLOWED = {"nul": 1, "replaced": 2}
# Below this many bytes a decode other than strict UTF-8 is trusted only if every character is plausible
# (a 4-byte binary decodes as GB18030 "text" of two rare characters).
TINY = 16

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
]


def _non_text(ch: str) -> bool:
    """Control characters (C0 but tab/newlines, DEL, C1), private-use code points and U+FFFD."""
    code = ord(ch)
    return ((code < 32 and ch not in "\n\r\t\f") or 0x7F <= code <= 0x9F or 0xE000 <= code <= 0xF8FF
            or code >= 0xF0000 or ch == "\ufffd")


def _looks_binary(text: str) -> bool:
    """Decoders accept control bytes; a text page has almost none of them."""
    if not text:
        return False
    return sum(map(_non_text, text)) / len(text) > MAX_DAMAGE


def _common_ratio(text: str) -> float:
    cjk = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    if not cjk:
        return 1.0
    common = _common_chars()
    return sum(1 for ch in cjk if ch in common) / len(cjk)


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """Characters of GB2312 level 1 (the 3,755 most frequent simplified characters) plus their
    traditional forms: decoding that lands outside this set is a sign of the wrong codec."""
    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    chars |= set(s2t.convert("".join(chars)))
    return frozenset(chars)


def _plausible_tiny(text: str) -> bool:
    """Every character of a very short decode is ASCII text, common Chinese or CJK punctuation."""
    common = _common_chars()
    return bool(text.strip()) and all((" " <= ch <= "~") or ch in "\n\r\t" or ch in common
                                      or "\u3000" <= ch <= "\u303f" or "\uff01" <= ch <= "\uff5e" for ch in text)


def _replaced(text: str, data: bytes) -> int:
    """Replacement characters the decoder made (a U+FFFD the bytes spelled in UTF-8 is not damage)."""
    return text.count("\ufffd") - data.count("\ufffd".encode())


LINE_CODECS = ("utf-8", "gb18030", "big5")
# Multibyte decoders skip a bad lead byte together with the byte after it, which may be a digit or a
# newline; this handler replaces one byte and reads on from the next.
_ONE_BYTE = "baozhi-replace-one-byte"
codecs.register_error(_ONE_BYTE, lambda exc: ("\ufffd", exc.start + 1))
# Costs for choosing each line's codec: a replaced byte costs 3 and a rare character 1; changing codec
# between lines costs SWITCH, and a first line read other than as UTF-8 costs START. A short damaged
# line can read as GB18030 mojibake no rarer than one U+FFFD; these priors keep it in its neighbours'
# codec (or UTF-8 on a one-line page), while a real change of encoding saves far more than SWITCH.
SWITCH = 4
START = {"utf-8": 0, "gb18030": 2, "big5": 2}


def _rare(ch: str, common: frozenset[str]) -> bool:
    """Rare on a Chinese page: uncommon Han characters, non-text, and the Latin extensions,
    combining marks, Greek, Cyrillic, Hebrew and Arabic (U+0100–U+07FF) that GB18030 or Big5 bytes
    spell when read as UTF-8 (U+FFFD is counted as a replaced byte instead)."""
    return (("\u4e00" <= ch <= "\u9fff" and ch not in common) or "\u0100" <= ch <= "\u07ff"
            or (_non_text(ch) and ch != "\ufffd"))


def _line_readings(line: bytes) -> dict[str, tuple[int, str, int]]:
    """Each codec's reading of one line: (cost, text, replaced bytes). The mojibake of reading one
    codec's bytes as another lands on rare characters or fails."""
    common = _common_chars()
    readings = {}
    for codec in LINE_CODECS:
        text = line.decode(codec, errors=_ONE_BYTE)
        errors = _replaced(text, line)
        rare = sum(1 for ch in text if _rare(ch, common))
        readings[codec] = (3 * errors + rare, text, errors)
    return readings


def _line_readings_path(lines: list[bytes]) -> list[tuple[str, str, int]]:
    """Each line's (codec, text, replaced bytes) on the cheapest path: Viterbi over LINE_CODECS with
    the SWITCH and START costs; blank lines carry no evidence and keep the current codec. Ties go
    to the codec listed first (UTF-8)."""
    readings = [_line_readings(line) for line in lines]
    cost = dict(START)
    back: list[dict[str, str]] = []
    for line, reading in zip(lines, readings, strict=True):
        if not line.strip():
            back.append({c: c for c in LINE_CODECS})
            continue
        step, new = {}, {}
        for codec in LINE_CODECS:
            prev = min(LINE_CODECS, key=lambda p: cost[p] + (SWITCH if p != codec else 0))
            step[codec] = prev
            new[codec] = cost[prev] + (SWITCH if prev != codec else 0) + reading[codec][0]
        back.append(step)
        cost = new
    codec = min(LINE_CODECS, key=cost.__getitem__)
    path = []
    for step in reversed(back):
        path.append(codec)
        codec = step[codec]
    path.reverse()
    return [(c, reading[c][1], reading[c][2]) for c, reading in zip(path, readings, strict=True)]


def _by_line(data: bytes) -> Decoded:
    """Each line in its own codec: archives concatenate files of different encodings, and one
    damaged line must not take the whole page with it."""
    lines = data.splitlines(keepends=True)
    parts, used, errors = [], Counter(), 0
    for line, (codec, text, bad) in zip(lines, _line_readings_path(lines), strict=True):
        parts.append(text)
        errors += bad
        if line.strip():
            used[codec] += 1
    codecs_used = [c for c, _ in used.most_common()]
    if len(codecs_used) > 1:
        encoding = "mixed"
        reason = "mixed encodings decoded line by line (" + ", ".join(f"{c}: {n} lines" for c, n in used.most_common()) + ")"
    else:
        encoding = codecs_used[0] if codecs_used else "utf-8"
        reason = f"{encoding} with invalid bytes"
    if errors:
        reason += f", {errors} invalid byte sequence(s) replaced by U+FFFD"
    return Decoded("".join(parts), encoding, reason, errors, repaired=True)


def _strict(data: bytes) -> Decoded | None:
    try:
        text = data.decode("utf-8")
        if not _looks_binary(text) and not _reads_better_as_gb18030(data, text):
            return Decoded(text, "utf-8", "strict utf-8")
    except UnicodeDecodeError:
        pass
    candidates: list[Decoded] = []
    for codec in ("gb18030", "big5"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if not _looks_binary(text):
            candidates.append(Decoded(text, codec, f"strict {codec}"))
    if len(candidates) == 2:
        gb, big5 = candidates
        # Big5 bytes usually also decode as GB18030, into rare characters.
        if _common_ratio(big5.text) > _common_ratio(gb.text) + 0.2:
            candidates = [Decoded(big5.text, "big5", "strict big5 (gb18030 decoded to rare characters)")]
    if not candidates:
        return None
    # UTF-8 with one damaged byte can still be valid GB18030 throughout: mojibake that costs more
    # than the UTF-8 reading with its replacements goes to the line-by-line decoder instead.
    readings = _line_readings(data)
    chosen = candidates[0]
    if readings["utf-8"][0] < readings[chosen.encoding][0] + START[chosen.encoding]:
        return None
    return chosen


def _reads_better_as_gb18030(data: bytes, text: str) -> bool:
    """GB18030 text of few Chinese characters can be valid UTF-8 too, spelling Latin-extended or
    Cyrillic letters (元 → Ԫ): then the reading that costs less wins (START favours UTF-8)."""
    if not any("\u0100" <= ch <= "\u07ff" for ch in text):
        return False
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    common = _common_chars()
    return sum(_rare(ch, common) for ch in gb) + START["gb18030"] < sum(_rare(ch, common) for ch in text)


def decode_bytes(data: bytes, name: str = "<bytes>") -> Decoded:
    """Strict decodes first (BOM, UTF-8, GB18030, Big5); then, for a page with a little damage,
    NULs removed, line-by-line codecs and U+FFFD for bytes nothing reads, with a DecodeWarning.
    Refused, with one line naming the file: bytes that are not text by the MAX_DAMAGE thresholds,
    and tiny decodes that are not plausible text."""
    decoded = _decode(data, name)
    if len(data) < TINY and decoded.reason != "strict utf-8" and not _plausible_tiny(decoded.text):
        raise IngestError(f"{name}: not text ({len(data)} bytes that decode only to implausible characters)")
    if decoded.repaired:
        warnings.warn(f"{name}: {decoded.reason}", DecodeWarning, stacklevel=2)
    return decoded


def _decode(data: bytes, name: str) -> Decoded:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(f"{name}: {label} byte-order mark but undecodable bytes at {exc.start}") from exc
            if _looks_binary(text):
                raise IngestError(f"{name}: {label} byte-order mark but the text is mostly control characters")
            return Decoded(text, label if codec != "utf-8-sig" else "utf-8-sig", "bom")
    nuls = data.count(0)
    if nuls > max(MIN_ALLOWED["nul"], MAX_DAMAGE * len(data)):
        raise IngestError(f"{name}: not text ({nuls} NUL bytes in {len(data)}: binary or UTF-16 without a byte-order mark)")
    note = f", {nuls} NUL byte(s) removed" if nuls else ""
    data = data.replace(b"\0", b"")
    decoded = _strict(data)
    if decoded is None:
        decoded = _by_line(data)
        text = decoded.text.replace("\ufffd", "")
        if decoded.errors > max(MIN_ALLOWED["replaced"], MAX_DAMAGE * len(decoded.text)) or _looks_binary(text) or _common_ratio(text) <= 0.8:
            decoded = _charset_normalizer(data)
            if decoded is None:
                raise IngestError(f"{name}: not text in UTF-8, GB18030 or Big5 (binary or undecodable bytes)")
    return Decoded(decoded.text, decoded.encoding, decoded.reason + note, decoded.errors,
                   repaired=decoded.repaired or bool(nuls))


def _charset_normalizer(data: bytes) -> Decoded | None:
    """Other encodings, strictly, when they read as plausible Chinese or Latin text."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    text = str(best)
    if _looks_binary(text) or _common_ratio(text) <= 0.8:
        return None
    return Decoded(text, best.encoding, "charset-normalizer")


HTML_SUFFIXES = (".html", ".htm")


def read_page(path: str | Path) -> tuple[str, Source]:
    """A page file's text: decoded, and for HTML files (by suffix) its visible text, so that
    `extract` and `batch` read an HTML page the same way."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    text, source = decode_page(data, str(path))
    if path.suffix.lower() in HTML_SUFFIXES:
        text = html_to_text(text)
    return text, source


class _HTMLText(html.parser.HTMLParser):
    BREAKS = {"p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page; offsets of its results refer to this text."""
    parser = _HTMLText()
    parser.feed(markup)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts))



def decode_page(data: bytes, name: str) -> tuple[str, Source]:
    if len(data) > MAX_BYTES:
        raise IngestError(f"{name}: {len(data)} bytes is larger than the {MAX_BYTES} byte limit for one page")
    decoded = decode_bytes(data, name)
    source = Source(
        path=name,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=decoded.encoding,
        encoding_reason=decoded.reason,
        decode_errors=decoded.errors,
    )
    return decoded.text, source


def fold_char(ch: str) -> str:
    """Full-width ASCII (U+FF01–FF5E) and the ideographic space → their ASCII forms."""
    code = ord(ch)
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    if code == 0x3000:
        return " "
    return ch


# Chinese punctuation the extractor must keep seeing as Chinese; folding only touches FF01–FF5E,
# which would also turn ，（）：；！？ into ASCII.
_KEEP = set("，：；！？（）")
_ASCII_BRACKETS = {"(": "（", ")": "）"}


def view_char(ch: str) -> str:
    if ch in _KEEP:
        return ch
    out = fold_char(ch)
    return _ASCII_BRACKETS.get(out, out)


# view_char as a str.translate table (characters it leaves alone are not in it)
_VIEW_TABLE = {code: view_char(chr(code)) for code in [*range(0xFF01, 0xFF5F), 0x3000, ord("("), ord(")")]
               if view_char(chr(code)) != chr(code)}


def normalize_view(original: str, simplify: bool) -> TextView:
    """The extractor's copy: full-width digits/letters/% folded, `(`/`)` unified to the
    full-width forms, CR removed from line ends, optionally traditional → simplified."""
    kept = original.replace("\r", "")
    index = list(range(len(original))) if len(kept) == len(original) else \
        [i for i, ch in enumerate(original) if ch != "\r"]
    text = kept.translate(_VIEW_TABLE)
    if simplify:
        text = to_simplified(text)
    return TextView(original=original, text=text, index=index)


_HAN = re.compile("[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Phrase-level conversion when it keeps the length (offsets stay valid), else per character."""
    conv = _t2s()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    return "".join(c2 if len(c2 := conv.convert(c)) == 1 else c for c in text)


@lru_cache(maxsize=65536)
def _simplified_char(ch: str) -> str:
    return _t2s().convert(ch)


def looks_traditional(text: str, sample_size: int = 600) -> bool:
    """More than 5 % of a sample of the page's Chinese characters (spread over the whole page)
    change under traditional → simplified conversion, character by character (the sample's
    characters are not neighbours, so phrases mean nothing there; cached, it costs no conversion)."""
    han = _HAN.findall(text)
    sample = han[:: max(1, len(han) // sample_size)][:sample_size]
    if not sample:
        return False
    changed = sum(1 for ch in sample if _simplified_char(ch) != ch)
    return changed / len(sample) > 0.05
