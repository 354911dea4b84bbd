import codecs
import warnings

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from baozhi.ingest import (
    DecodeWarning,
    IngestError,
    decode_bytes,
    decode_page,
    fold_char,
    normalize_view,
    view_char,
)

PAGE = "上半年，全国软件业务收入３５６０９亿元，同比增长６．７％。\n（上接第１版）會議強調，要加快發展。\n"


@pytest.mark.parametrize(
    "data,encoding,reason",
    [
        (PAGE.encode("utf-8"), "utf-8", "strict utf-8"),
        (codecs.BOM_UTF8 + PAGE.encode("utf-8"), "utf-8-sig", "bom"),
        (PAGE.encode("utf-16"), "utf-16", "bom"),
        (PAGE.encode("gb18030"), "gb18030", "strict gb18030"),
    ],
)
def test_decoding_order(data, encoding, reason):
    decoded = decode_bytes(data, "p.txt")
    assert decoded.text == PAGE
    assert decoded.encoding == encoding
    assert decoded.reason.startswith(reason)


def test_big5_is_told_from_gb18030():
    text = "國內生產總值同比增長５．３％，會議強調要穩定經濟增長，擴大內需。" * 3
    decoded = decode_bytes(text.encode("big5", errors="strict"), "t.txt")
    assert decoded.encoding == "big5"
    assert decoded.text == text


def test_binary_is_an_error_naming_the_file():
    with pytest.raises(IngestError, match=r"^blob.bin: "):
        decode_bytes(bytes(range(256)) * 20, "blob.bin")


LONG = PAGE * 8


def test_a_nul_byte_is_removed_with_a_warning():
    data = LONG.encode()
    with pytest.warns(DecodeWarning, match="1 NUL byte"):
        decoded = decode_bytes(data[:40] + b"\0" + data[40:], "nul.txt")
    assert decoded.text == LONG and decoded.errors == 0 and "NUL" in decoded.reason


def test_a_stray_byte_becomes_one_replacement_counted_in_the_source():
    data = LONG.encode()
    cut = data.index("。".encode()) + len("。".encode())  # between two characters
    with pytest.warns(DecodeWarning):
        text, src = decode_page(data[:cut] + b"\xff" + data[cut:], "stray.txt")
    assert text == LONG[:LONG.index("。") + 1] + "\ufffd" + LONG[LONG.index("。") + 1:]
    assert src.decode_errors == 1 and "replaced" in src.encoding_reason


def test_a_file_of_two_encodings_is_decoded_line_by_line():
    first, second = LONG[: len(LONG) // 2], LONG[len(LONG) // 2:]
    first = first[: first.rindex("\n") + 1]
    second = LONG[len(first):]
    with pytest.warns(DecodeWarning, match="mixed"):
        decoded = decode_bytes(first.encode("utf-8") + second.encode("gb18030"), "mixed.txt")
    assert decoded.text == LONG and decoded.encoding == "mixed" and decoded.errors == 0


@pytest.mark.parametrize("data", [b"\x89PNG", b"\xde\xad\xbe\xef", b"\x7fELF", b"PK\x03\x04",
                                  ("\ue000" * 40 + "中国").encode(), b"\x00\x01" * 500])
def test_binary_and_implausible_decodes_are_refused(data):
    with pytest.raises(IngestError, match=r"^x.bin: not text"):
        decode_bytes(data, "x.bin")


def test_too_much_damage_is_refused():
    data = bytearray(LONG.encode())
    data[::20] = b"\xff" * len(data[::20])  # 5 % of the bytes
    with pytest.raises(IngestError, match="not text"):
        decode_bytes(bytes(data), "worn.txt")


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
@given(text=st.text(alphabet="上半年全国软件收入亿元同比增长。，\n0123456789%", min_size=200, max_size=400),
       where=st.integers(min_value=0, max_value=10_000), junk=st.sampled_from([b"\0", b"\xff", b"\x80"]))
def test_one_damaged_byte_never_loses_the_page(codec, text, where, junk):
    # one or two GB18030 characters among digits can be valid UTF-8 as well (元 → Ԫ): ambiguous
    assume(codec == "utf-8" or sum("\u4e00" <= ch <= "\u9fff" for ch in text) >= 3)
    pieces = [ch.encode(codec) for ch in text]
    cut = where % (len(pieces) + 1)  # junk between two characters
    data = b"".join(pieces[:cut]) + junk + b"".join(pieces[cut:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DecodeWarning)
        decoded = decode_bytes(data, "p.txt")
    assert decoded.text.replace("\ufffd", "") == text
    assert decoded.errors == (0 if junk == b"\0" else 1)


def test_a_damaged_short_line_keeps_its_neighbours_codec():
    # GB18030 reads the UTF-8 bytes of "全" and a stray byte as rare characters without any U+FFFD
    text = "775000966052732%9988222221876%国16\n全7724国件7\n513869国4740%9比943收7437软。8件\n"
    data = text.encode()
    cut = data.index("全".encode()) + 3
    with pytest.warns(DecodeWarning, match="utf-8 with invalid bytes"):
        decoded = decode_bytes(data[:cut] + b"\x80" + data[cut:], "p.txt")
    assert decoded.text == text.replace("全", "全\ufffd") and decoded.errors == 1


def test_source_records_sha256_and_encoding():
    text, src = decode_page(PAGE.encode("gb18030"), "x.txt")
    assert src.encoding == "gb18030" and len(src.sha256) == 64 and text == PAGE


def test_full_width_folding_keeps_chinese_punctuation():
    view = normalize_view("增长６．７％，（上接第１版）：", simplify=False)
    assert view.text == "增长6.7%，（上接第1版）："
    assert fold_char("\u3000") == " "


def test_traditional_is_converted_only_in_the_view():
    original = "會議強調，要加快發展。"
    view = normalize_view(original, simplify=True)
    assert view.text == "会议强调，要加快发展。"
    assert view.original == original
    assert view.span(0, 4).text == "會議強調"


@given(st.text(alphabet="０１２３４５６７８９％．，。\u3000\r\n abc會議国", max_size=60), st.booleans())
def test_view_maps_every_character_back(original, simplify):
    view = normalize_view(original, simplify)
    assert len(view.text) == len(view.index)
    assert view.index == sorted(set(view.index))
    assert "\r" not in view.text
    if not simplify:
        assert view.text == "".join(view_char(original[i]) for i in view.index)


@given(st.text(alphabet=st.sampled_from(list("()（），：；！？%５Ａｚ＃\u3000\r\n 年12a")) | st.characters(), max_size=60))
def test_view_is_the_per_character_fold_without_carriage_returns(text):
    view = normalize_view(text, simplify=False)
    assert view.index == [i for i, ch in enumerate(text) if ch != "\r"]
    assert view.text == "".join(view_char(text[i]) for i in view.index)


def test_html_pages_are_read_as_their_visible_text(tmp_path):
    from baozhi.ingest import read_page

    page = tmp_path / "p.html"
    page.write_text("<html><head><style>p{}</style><script>var a=1;</script></head><body>"
                    "<h1>出口增长</h1><p>上半年，出口总额1.2万亿元，同比增长6.9%。</p></body></html>", encoding="utf-8")
    text, source = read_page(page)
    assert "<" not in text and "var a" not in text and "p{}" not in text
    assert "出口增长" in text and "同比增长6.9%" in text
    assert source.path == str(page)


def test_extract_and_batch_read_an_html_page_alike(tmp_path):
    import json

    from baozhi.cli import main

    page = tmp_path / "in" / "p.html"
    page.parent.mkdir()
    page.write_text("<body><h1>出口增长</h1><p>上半年，出口总额1.2万亿元，同比增长6.9%。</p></body>", encoding="utf-8")
    assert main(["extract", str(page), "--extractor", "rules", "-o", str(tmp_path / "one.json")]) == 0
    assert main(["batch", str(page.parent), "--out", str(tmp_path / "out"), "--extractor", "rules", "--quiet"]) == 0
    one = json.loads((tmp_path / "one.json").read_text())
    batch = json.loads((tmp_path / "out" / "documents.jsonl").read_text().splitlines()[0])
    assert [a["facts"] for a in one["articles"]] == [a["facts"] for a in batch["articles"]]
    assert one["articles"] and one["articles"][0]["facts"]
