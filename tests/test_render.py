"""`baozhi render`: well-formed self-contained HTML, one outline per article, fact tables wired to their
evidence, and nothing from the page ever interpreted as markup."""

import json
from html.parser import HTMLParser

import pytest
from conftest import PAGES

from baozhi.cli import main
from baozhi.model import page_to_json
from baozhi.render import render_page, render_text

VOID = {"meta", "br", "img", "input", "hr", "link"}
PAGE = PAGES / "telecom_2024h1.txt"


class Checker(HTMLParser):
    """Counts elements by tag and class and fails on unbalanced tags."""

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.elements = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def having(self, tag=None, cls=None, attr=None):
        return [a for t, a in self.elements if (tag is None or t == tag)
                and (cls is None or cls in (a.get("class") or "").split()) and (attr is None or attr in a)]


def parse(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    return checker


@pytest.fixture(scope="module")
def rendered(extractor):
    result = extractor.extract_file(PAGE)
    doc = page_to_json(result)
    return doc, result.original, render_page(doc, result.original)


def test_page_renders_as_well_formed_self_contained_html(rendered):
    doc, _, html = rendered
    parsed = parse(html)
    assert len(parsed.having("section", "article")) == len(doc["articles"]) == 3
    assert not parsed.having(attr="src") and not parsed.having("link")  # no network assets
    assert len(parsed.having("script")) == 1 and len(parsed.having("style")) == 1
    assert "８９８９．７亿元" in html  # the original full-width text, not the folded copy


def test_fact_tables_and_their_evidence(rendered):
    doc, _, html = rendered
    parsed = parse(html)
    with_facts = [a for a in doc["articles"] if a["facts"]]
    assert len(parsed.having("table", "facts")) == len(with_facts)
    rows = [a["data-row"] for a in parsed.having("tr", attr="data-row")]
    assert len(rows) == sum(len(a["facts"]) for a in doc["articles"])
    targets = [set(a["data-f"].split()) for a in parsed.having(attr="data-f")]
    for row in rows:
        assert any(row in t for t in targets), row
    first = doc["articles"][0]["facts"][0]
    marked = {a["class"] for a in parsed.having(attr="data-f") if "f1-0" in a["data-f"].split()}
    assert {"m r-metric", "m r-value", "m r-change", "m r-basis", "m r-period", "m r-evidence"} <= marked
    assert first["value"]["text"] in html


def test_entities_are_marked_with_their_label(rendered):
    doc, _, html = rendered
    parsed = parse(html)
    labels = [a["class"].split()[1] for a in parsed.having("mark", "ent")]
    assert {f"e-{e['label']}" for a in doc["articles"] for e in a["entities"]} <= set(labels)
    assert '<span class="lbl">PER</span>' in html


def test_overlapping_marks_nest():
    from baozhi.render import Mark

    marks = [Mark(0, 4, "period", ["f1-0"]), Mark(2, 6, "ent", [], "LOC")]
    html = render_text("上半年广东省份", 0, 7, marks)
    parse(html)
    assert html.count('data-f="f1-0"') == 2 and html.count('<span class="lbl">LOC</span>') == 1


def test_page_content_is_escaped(tmp_path, extractor):
    page = tmp_path / "xss.txt"
    page.write_text('<script>alert(1)</script>经济运行总体平稳\n\n本报记者 "><img src=x onerror=alert(1)>\n\n'
                    '上半年，全国规模以上工业增加值同比增长6.0%。<script>alert(1)</script>"><img src=x onerror=alert(1)>\n',
                    encoding="utf-8")
    doc = page_to_json(extractor.extract_file(page))
    html = render_page(doc, page.read_text(encoding="utf-8"))
    parse(html)
    assert "<script>alert(1)</script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script>") == 1


def test_cli_renders_an_existing_prediction_atomically(tmp_path, rendered, capsys):
    doc, _, html = rendered
    pred = tmp_path / "page.json"
    pred.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "page.html"
    assert main(["render", str(PAGE), "--pred", str(pred), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == html
    assert not list(tmp_path.glob(".*.tmp"))
    other = PAGES / "trade_2024q1.txt"
    assert main(["render", str(other), "--pred", str(pred), "-o", str(tmp_path / "x.html")]) == 2
    assert "no prediction for this page" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


def test_heading_is_the_file_name_not_its_path(rendered):
    doc, _, html = rendered
    assert "/" in doc["source"]["path"]
    heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert heading == PAGE.name


def _hostile(doc: dict) -> dict:
    doc = json.loads(json.dumps(doc))
    fact = next(f for a in doc["articles"] for f in a["facts"] if f["value"])
    fact["value"]["number"] = "<img src=x onerror=alert(1)>"
    return doc


def test_a_hostile_prediction_file_is_refused_with_one_line(tmp_path, rendered, capsys):
    doc, _, _ = rendered
    pred = tmp_path / "evil.json"
    pred.write_text(json.dumps(_hostile(doc), ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "page.html"
    assert main(["render", str(PAGE), "--pred", str(pred), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "evil.json" in err and "breaks the page schema" in err and "\n" not in err and not out.exists()
    directive = json.loads(json.dumps(doc))
    directive["articles"][0]["directives"] = [{**d, "ordinal": "<script>alert(1)</script>"}
                                              for d in directive["articles"][0]["directives"]] or [{}]
    pred.write_text(json.dumps(directive, ensure_ascii=False), encoding="utf-8")
    assert main(["render", str(PAGE), "--pred", str(pred), "-o", str(out)]) == 2 and not out.exists()


def test_every_field_is_escaped_and_only_the_page_script_may_run(rendered):
    doc, text, _ = rendered
    doc = json.loads(json.dumps(doc))
    fact = next(f for a in doc["articles"] for f in a["facts"] if f["value"])
    fact["metric_name"] = fact["value"]["unit"] = fact["value"]["approx"] = "<script>alert(1)</script>"
    html = render_page(doc, text)
    parse(html)
    assert "<script>alert(1)</script>" not in html and html.count("<script>") == 1
    assert "Content-Security-Policy" in html and "script-src 'sha256-" in html and "script-src 'unsafe-inline'" not in html
