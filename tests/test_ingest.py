import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baozhi.ingest import IngestError, decode_bytes, decode_page, fold_char, normalize_view, view_char

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
