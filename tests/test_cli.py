"""The command line on good and bad inputs: clear one-line errors, exit codes, no partial output."""

import json
import subprocess
import sys

import pytest

from baozhi.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "baozhi.cli", *args], capture_output=True, text=True)


def test_extract_json_to_file(tmp_path, seed_path):
    out = tmp_path / "seed.json"
    assert main(["extract", str(seed_path), "-o", str(out)]) == 0
    assert len(json.loads(out.read_text())["articles"]) == 3


def test_binary_input_is_one_line_error_and_no_output(tmp_path):
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(bytes(range(256)) * 50)
    out = tmp_path / "out.json"
    r = run("extract", str(bad), "-o", str(out))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and str(bad) in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_missing_file_is_an_error(tmp_path):
    r = run("extract", str(tmp_path / "nope.txt"))
    assert r.returncode == 2 and "nope.txt" in r.stderr and "Traceback" not in r.stderr


def test_one_bad_page_among_good_ones_writes_nothing(tmp_path, seed_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    out = tmp_path / "out.jsonl"
    out.write_text("previous run\n")
    assert main(["extract", str(seed_path), str(bad), "--format", "jsonl", "-o", str(out)]) == 2
    assert out.read_text() == "previous run\n"


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n   \n", "　　\n".encode()],
    ids=["empty", "blank-lines", "ideographic-spaces"],
)
def test_pages_without_articles_give_a_valid_empty_result(tmp_path, content, extractor):
    from baozhi.export import validate
    from baozhi.model import page_to_json

    page = tmp_path / "empty.txt"
    page.write_bytes(content)
    doc = page_to_json(extractor.extract_file(page))
    validate(doc)
    assert doc["articles"] == []


@pytest.mark.parametrize("codec", ["gb18030", "big5", "utf-16"])
def test_other_encodings(tmp_path, codec, extractor):
    text = "全省經濟運行平穩\n\n上半年，全省地區生產總值同比增長5.2%。會議強調，要穩住經濟大盤。\n"
    page = tmp_path / f"{codec}.txt"
    page.write_bytes(text.encode(codec))
    result = extractor.extract_file(page)
    assert result.source.encoding == codec
    assert result.original == text
    fact = result.articles[0].facts[0]
    assert fact.change.span.text == "增長5.2%" and str(fact.change.number) == "5.2"
    assert result.articles[0].directives[0].cue == "會議強調".replace("會議強調", "会议强调")


def test_five_megabyte_page(tmp_path, extractor):
    paragraph = "上半年，全省实现营业收入1234亿元，同比增长5.6%，增速较一季度提高0.3个百分点。\n"
    text = "全省经济运行情况\n\n" + paragraph * (5_000_000 // len(paragraph.encode()))
    page = tmp_path / "big.txt"
    page.write_text(text, encoding="utf-8")
    assert page.stat().st_size > 4_900_000
    result = extractor.extract_file(page)
    assert len(result.articles) == 1 and len(result.articles[0].facts) > 1000


def test_pkuseg_without_model_is_a_clear_error(seed_path):
    r = run("extract", str(seed_path), "--segmenter", "pkuseg")
    assert r.returncode == 2 and "pkuseg-model" in r.stderr and "Traceback" not in r.stderr


def test_extract_reads_stdin(tmp_path):
    page = "上半年，全国出口总额1.2万亿元，同比增长6.9%。\n".encode("gb18030")
    r = subprocess.run([sys.executable, "-m", "baozhi.cli", "extract", "-", "--extractor", "rules"],
                       input=page, capture_output=True)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["source"]["path"] == "<stdin>" and doc["source"]["encoding"] == "gb18030"
    assert any(f["value"] for a in doc["articles"] for f in a["facts"])


def test_out_dir_writes_one_json_per_page(tmp_path):
    pages = []
    for name, text in (("a.txt", "甲市生产总值增长5%。\n"), ("b.txt", "乙市出口下降3%。\n")):
        pages.append(tmp_path / name)
        pages[-1].write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", *map(str, pages), "--extractor", "rules", "--out-dir", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["a.json", "b.json"]
    assert json.loads((out / "b.json").read_text())["source"]["path"] == str(pages[1])


def test_out_dir_refuses_pages_with_the_same_name(tmp_path):
    for d in ("x", "y"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "p.txt").write_text("标题\n", encoding="utf-8")
    r = run("extract", str(tmp_path / "x" / "p.txt"), str(tmp_path / "y" / "p.txt"), "--extractor", "rules",
            "--out-dir", str(tmp_path / "out"))
    assert r.returncode == 2 and "share a file name" in r.stderr


def test_a_page_with_a_nul_and_a_stray_byte_is_read_with_one_warning_line(tmp_path):
    text = "上半年，全国出口总额1.2万亿元，同比增长6.9%。\n" * 5
    data = text.encode()
    page = tmp_path / "damaged.txt"
    page.write_bytes(data[:3] + b"\0" + data[3:60] + b"\xff" + data[60:])
    r = run("extract", str(page), "--extractor", "rules")
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith(f"baozhi: warning: {page}: ") and r.stderr.count("\n") == 1
    doc = json.loads(r.stdout)
    assert doc["source"]["decode_errors"] == 1 and "NUL" in doc["source"]["encoding_reason"]
    decoded = data[:60].decode() + "\ufffd" + data[60:].decode()  # offsets refer to the decoded text
    values = [f["value"] for a in doc["articles"] for f in a["facts"] if f["value"]]
    assert len(values) >= 4 and all(decoded[v["start"]:v["end"]] == v["text"] for v in values)
