"""Evaluation reports: the numbers are `baozhi evaluate`'s, the HTML is self-contained and escaped,
and --compare finds exactly the pages that changed."""

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import GOLD

from baozhi.cli import main
from baozhi.evaluate import gold_items
from baozhi.report import TASKS, Assessment, ReportError, _system, bootstrap, compare

TEAM = [str(p) for p in sorted(GOLD.glob("*.json")) if not p.name.startswith("000_")]
ROUNDS = "200"


class Args:
    segmenter, pkuseg_model, split = "jieba", None, None
    extractor, model, quantize = "rules", None, False


class Page(HTMLParser):
    """Tables, images, scripts and unbalanced tags of an HTML document."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self, text: str):
        super().__init__()
        self.stack, self.unbalanced, self.rows, self.images = [], [], [], []
        self.scripts, self.handlers, self.external = 0, 0, []
        self.row, self.cell = None, None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.scripts += tag == "script"
        self.handlers += sum(k.startswith("on") for k in attrs)
        self.external += [v for k, v in attrs.items() if k in ("src", "href") and not v.startswith("data:")]
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "img":
            self.images.append(attrs["src"])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.unbalanced.append(tag)
        if tag in ("td", "th"):
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr":
            self.rows.append(self.row)

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def md_rows(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows.setdefault(cells[0], cells[1:])
    return rows


@pytest.fixture(scope="module")
def items(extractor):
    """The team's pages, each extracted once by the rules."""
    return gold_items(TEAM, None, Args(), extractor=extractor)


def _write_predictions(directory: Path, items, change=None) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    for name, _text, _gold, pred in items:
        pred = json.loads(json.dumps(pred))
        if change:
            change(name, pred)
        (directory / f"{Path(name).stem}.json").write_text(json.dumps(pred, ensure_ascii=False), encoding="utf-8")
    return sorted(str(p) for p in directory.glob("*.json"))


@pytest.fixture(scope="module")
def rules_dir(items, tmp_path_factory):
    d = tmp_path_factory.mktemp("rules")
    _write_predictions(d, items)
    return d


def _run(capsys, *argv) -> str:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_report_numbers_equal_evaluate_json(tmp_path, rules_dir, capsys):
    preds = sorted(str(p) for p in rules_dir.glob("*.json"))
    scores = json.loads(_run(capsys, "evaluate", "--gold", *TEAM, "--pred", *preds, "--json"))
    out = tmp_path / "report"
    table = _run(capsys, "evaluate", "--gold", *TEAM, "--pred", *preds, "--report", str(out), "--rounds", ROUNDS)
    assert table.startswith("| task | P | R | F1 |")  # stdout unchanged by --report
    md = (out / "report.md").read_text(encoding="utf-8")
    assert (out / "report.html").exists() and "](per_label.png)" in md
    assert (out / "per_label.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    rows = md_rows(md)
    for name, key in (("facts (strict)", "facts_strict"), ("facts (lenient)", "facts_lenient"),
                      ("directives (overlap ≥ 50%)", "directives"), ("directive actions", "actions"),
                      ("article boundaries", "articles")):
        assert rows[name][:3] == [f"{scores[key][k]:.3f}" for k in ("p", "r", "f1")], name
    for label in ("PER", "LOC", "ORG", "micro avg"):
        e = scores["entities"][label]
        assert rows[label][:4] == [f"{e['precision']:.3f}", f"{e['recall']:.3f}", f"{e['f1-score']:.3f}",
                                   str(e["support"])], label
    c = scores["counts"]["facts"]
    assert rows["facts (strict)"][4:] == [str(c["correct"]), str(c["partial"]), str(c["missed"]),
                                          str(c["spurious"])]
    for name in ("facts (strict)", "facts (lenient)", "directives (overlap ≥ 50%)", "PER"):
        low, high = map(float, re.fullmatch(r"\[(.*), (.*)\]", rows[name][3 if name != "PER" else 4]).groups())
        point = float(rows[name][2])
        assert low <= point <= high, name

    page = Page((out / "report.html").read_text(encoding="utf-8"))
    assert not page.unbalanced and not page.stack and page.scripts == 0 and not page.external
    html_rows = {}
    for r in page.rows:
        html_rows.setdefault(r[0], r[1:])
    for label in ("PER", "LOC", "ORG"):
        assert html_rows[label][:4] == rows[label][:4]
    assert html_rows["facts (strict)"] == rows["facts (strict)"]
    assert len(page.images) == 1 and page.images[0].startswith("data:image/png;base64,")
    png = base64.b64decode(page.images[0].split(",", 1)[1], validate=True)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == (out / "per_label.png").read_bytes()


def test_article_counts_sum_to_evaluate_and_intervals_hold_the_estimate(items):
    a = Assessment.of(items)
    sums, counts = a.units.sums(), a.scores["counts"]
    assert (sums["facts.gold"], sums["facts.pred"]) == (counts["facts"]["gold"], counts["facts"]["pred"])
    assert sums["facts.strict"] == a.report.fact_strict and sums["facts.lenient"] == a.report.fact_lenient
    assert sums["directives.correct"] == counts["directives"]["correct"]
    assert sums["actions.correct"] == counts["actions"]["correct"]
    ci = bootstrap(a.units, list(TASKS), rounds=300, seed=1)
    assert ci["facts (strict)"].point == pytest.approx(a.scores["facts_strict"]["f1"])
    assert ci["facts (lenient)"].point == pytest.approx(a.scores["facts_lenient"]["f1"])
    assert ci["directives (overlap ≥ 50%)"].point == pytest.approx(a.scores["directives"]["f1"])
    assert ci["entities micro (seqeval strict)"].point == pytest.approx(a.scores["entities"]["micro avg"]["f1-score"])
    for interval in ci.values():
        assert interval.low <= interval.point <= interval.high
    assert bootstrap(a.units, list(TASKS), rounds=300, seed=1) == ci  # fixed seed, same intervals


def test_compare_identical_systems(items):
    result = compare(items, items, ("rules", "rules"), rounds=200)
    assert result.changed == [] and len(result.unchanged) == len(items)
    for d in result.differences.values():
        assert d.delta == 0 and d.p == 1.0 and d.low == d.high == 0
    assert f"Changed pages (0 of {len(items)})" in result.markdown()


def test_compare_shows_the_changed_pages(tmp_path, items, rules_dir, capsys):
    def perturb(name, pred):
        if name == "trade_2024q1.txt":
            next(a for a in pred["articles"] if a["facts"])["facts"].pop(0)
        if name == "software_2023q3.txt":
            for e in (e for a in pred["articles"] for e in a["entities"] if e["label"] == "ORG"):
                e["label"] = "LOC"

    perturbed = tmp_path / "perturbed"
    _write_predictions(perturbed, items, perturb)
    d = json.loads(_run(capsys, "evaluate", "--gold", *TEAM, "--compare", str(rules_dir), str(perturbed),
                        "--rounds", ROUNDS, "--json"))
    assert set(d["changed_pages"]) == {"trade_2024q1.txt", "software_2023q3.txt"}
    assert d["changed_pages"]["trade_2024q1.txt"]["facts (strict)"] < 0
    assert d["changed_pages"]["software_2023q3.txt"]["entities micro (seqeval strict)"] < 0
    assert d["differences"]["facts (lenient)"]["delta"] < 0 and d["differences"]["entity PER"]["p"] == 1.0
    assert d["differences"]["facts (strict)"]["a"] == pytest.approx(d["scores"]["a"]["facts_strict"]["f1"])

    out = tmp_path / "cmp"
    md = _run(capsys, "evaluate", "--gold", *TEAM, "--compare", str(rules_dir), str(perturbed),
              "--rounds", ROUNDS, "--report", str(out))
    changed = md.split(f"## Changed pages (2 of {len(items)})")[1]
    assert "| software_2023q3.txt |" in changed and "| trade_2024q1.txt |" in changed
    assert "| energy_agri_2023.txt |" not in changed
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    assert not page.unbalanced and page.images[0].startswith("data:image/png;base64,")
    assert f"## Changed pages (2 of {len(items)})" in (out / "report.md").read_text(encoding="utf-8")


def test_unknown_systems_are_clear_errors(tmp_path, capsys):
    with pytest.raises(ReportError, match="not `rules`"):
        _system(str(tmp_path / "no-such-model"), {})
    assert main(["evaluate", "--gold", *TEAM, "--compare", "rules", str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err


EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_IMG = '"><img src=x onerror=alert(1)>'


def test_page_content_is_escaped(tmp_path, capsys):
    text = f"标题{EVIL_SCRIPT}\n\n上半年，收入{EVIL_IMG}达到100亿元，同比增长5%。\n"
    page = tmp_path / "corpora" / "evil.txt"
    page.parent.mkdir()
    page.write_text(text, encoding="utf-8")
    data = page.read_bytes()

    def span(s):
        i = text.index(s)
        return {"start": i, "end": i + len(s), "text": s}

    gold_fact = {"metric": span("收入"), "metric_name": f"收入{EVIL_SCRIPT}",
                 "value": {**span("100亿元"), "number": "10000000000", "unit": "元", "approx": None, "low": None,
                           "high": None},
                 "change": {**span("增长5%"), "number": "5", "unit": "%", "of": "level"},
                 "basis": span("同比"), "period": span("上半年"), "scope": None}
    article = {"start": 0, "end": len(text.rstrip()), "title": span(f"标题{EVIL_SCRIPT}"), "byline": None,
               "source_line": None, "continued_from": None, "continued_to": None, "sections": []}
    gold = {"format": 1, "file": f"evil{EVIL_IMG}.txt", "path": "corpora/evil.txt",
            "sha256": hashlib.sha256(data).hexdigest(), "encoding": "utf-8", "split": "test",
            "articles": [article], "facts": [gold_fact], "directives": [],
            "entities": [{**span(EVIL_SCRIPT), "label": "ORG"}]}
    gold_dir = tmp_path / "annotations" / "gold"
    gold_dir.mkdir(parents=True)
    (gold_dir / "evil.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")

    wrong = json.loads(json.dumps(gold_fact))
    wrong["value"]["number"] = 1000000  # read as 万 instead of 亿: a scale error shown with its sentence
    wrong["change"]["number"] = 5
    wrong["evidence"] = {"start": 0, "end": len(text)}
    pred = {"schema_version": "1.1", "extractor": "test", "repairs": [],
            "source": {"path": str(page), "sha256": gold["sha256"], "encoding": "utf-8", "encoding_reason": "test",
                       "converted_from_traditional": False},
            "articles": [{**article, "title": article["title"]["text"], "title_span": article["title"],
                          "facts": [wrong], "directives": [], "checks": [],
                          "entities": [{**span(f"收入{EVIL_IMG}"), "label": "LOC"}]}]}
    pred_file = tmp_path / "pred.json"
    pred_file.write_text(json.dumps(pred, ensure_ascii=False), encoding="utf-8")

    out = tmp_path / "report"
    _run(capsys, "evaluate", "--gold", str(gold_dir), "--pred", str(pred_file), "--report", str(out),
         "--rounds", "50")
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "万/亿 scale" in report
    assert html.escape(EVIL_SCRIPT) in report and html.escape(EVIL_IMG) in report
    assert "<script" not in report.lower() and "<img src=x" not in report and EVIL_IMG not in report
    parsed = Page(report)
    assert parsed.scripts == 0 and parsed.handlers == 0 and not parsed.external and not parsed.unbalanced
    assert all(src.startswith("data:image/png;base64,") for src in parsed.images)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert EVIL_SCRIPT not in md and "<img" not in md


def test_fact_error_categories():
    from baozhi.report import CONTEXT, METRIC, SCALE, SIGN, UNIT, classify

    def fact(metric=(0, 2), name="收入", value="100", unit="元", change="5", change_unit="%", period=None):
        return {"metric": {"start": metric[0], "end": metric[1], "text": ""}, "metric_name": name,
                "value": {"start": 3, "end": 8, "text": "", "number": value, "unit": unit},
                "change": {"start": 9, "end": 13, "text": "", "number": change, "unit": change_unit, "of": "level"},
                "basis": None, "scope": None,
                "period": period and {"start": period[0], "end": period[1], "text": ""}}

    gold = fact()
    assert classify(gold, fact(change_unit="百分点")) == UNIT
    assert classify(gold, fact(value="1000000")) == SCALE  # 亿 read as 万
    assert classify(gold, fact(change="-5")) == SIGN
    assert classify(gold, fact(metric=(20, 22), name="支出")) == METRIC
    assert classify(gold, fact(period=(30, 33))) == CONTEXT
