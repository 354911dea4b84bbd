"""One self-contained HTML file per page: articles outlined, entities marked, facts and directives in
tables whose rows light up their evidence in the text.

For reviewing extractor output (and corrected annotations) in a browser without a server or network:
CSS and JS are inline, and everything taken from the page is HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .files import PredictionError, load_predictions
from .interchange import COLOURS
from .layers import ENTITY_LABELS
from .model import page_to_json

FACT_SLOTS = ("metric", "value", "change", "basis", "period", "scope")
LAYOUT = {"title_span": "title", "byline": "byline", "source_line": "source", "continued_from": "cont",
          "continued_to": "cont"}

CSS = """
body { font: 15px/1.7 "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 1.5em auto;
       max-width: 70em; color: #222; }
header.page { border-bottom: 1px solid #ccc; margin-bottom: 1em; }
.legend span { padding: 0 .4em; margin-right: .3em; border-radius: .3em; font-size: 12px; }
.text { white-space: pre-wrap; }
.gap { color: #888; }
section.article { border: 2px solid #8aa; border-radius: .5em; padding: .5em 1em; margin: 1em 0; }
section.article > h2 { font-size: 1.15em; margin: .2em 0; }
.where { color: #777; font-size: 12px; }
mark.ent { padding: .1em .2em; border-radius: .3em; line-height: 2; }
mark.ent .lbl { font-size: .65em; font-weight: bold; margin-left: .3em; text-transform: uppercase; }
.r-title { font-weight: bold; } .r-byline, .r-source { color: #555; font-style: italic; }
.r-section { font-weight: bold; color: #355; } .r-cont { color: #36c; }
.m { border-bottom: 2px solid transparent; }
.m.on { border-radius: .2em; } .m.on.r-evidence { background: #fffbe0; }
.m.on.r-metric { background: #7aecec; } .m.on.r-value { background: #bfeeb7; }
.m.on.r-change { background: #feca74; } .m.on.r-basis { background: #c887fb; }
.m.on.r-period { background: #ddd; } .m.on.r-scope { background: #9cc9cc; }
.m.on.r-directive { background: #f4f6e6; } .m.on.r-core { background: #ffeb80; }
.m.on.r-verb { background: #ff9561; } .m.on.r-object { background: #f0d0ff; }
.r-value, .r-change { border-bottom-color: #9c9; }
table.facts { border-collapse: collapse; margin: .6em 0; font-size: 13px; width: 100%; }
table.facts th, table.facts td { border: 1px solid #ddd; padding: .15em .4em; text-align: left; vertical-align: top; }
table.facts small, ol.directives small { color: #666; }
[data-row] { cursor: pointer; } [data-row]:hover { background: #f3f8ff; } [data-row].on { background: #e3efff; }
ol.directives { font-size: 13px; } ol.directives li { margin: .3em 0; }
ul.checks { font-size: 12px; color: #555; }
"""

# Clicking a fact row or directive lights up the text elements carrying its id in data-f.
JS = """
document.addEventListener('click', function (ev) {
  var row = ev.target.closest('[data-row]');
  if (!row) return;
  var id = row.getAttribute('data-row'), wasOn = row.classList.contains('on');
  document.querySelectorAll('.on').forEach(function (el) { el.classList.remove('on'); });
  if (wasOn) return;
  row.classList.add('on');
  var els = document.querySelectorAll('[data-f~="' + id + '"]');
  els.forEach(function (el) { el.classList.add('on'); });
  if (els.length) els[0].scrollIntoView({block: 'center', behavior: 'smooth'});
});
"""


@dataclass
class Mark:
    """A span drawn in the text: its role (CSS class), the rows it belongs to, a label badge if any."""

    start: int
    end: int
    role: str
    keys: list[str]
    label: str | None = None


def _marks_of_article(art: dict, n: int) -> list[Mark]:
    marks = [Mark(e["start"], e["end"], "ent", [], e["label"]) for e in art["entities"]]
    for key, role in LAYOUT.items():
        if art.get(key):
            marks.append(Mark(art[key]["start"], art[key]["end"], role, []))
    marks += [Mark(s["start"], s["end"], "section", []) for s in art["sections"]]
    for i, f in enumerate(art["facts"]):
        key = f"f{n}-{i}"
        marks += [Mark(f[s]["start"], f[s]["end"], s, [key]) for s in FACT_SLOTS if f.get(s)]
        if f.get("evidence"):
            marks.append(Mark(f["evidence"]["start"], f["evidence"]["end"], "evidence", [key]))
    for i, d in enumerate(art["directives"]):
        key = f"d{n}-{i}"
        marks += [Mark(d["start"], d["end"], "directive", [key]), Mark(d["core"]["start"], d["core"]["end"], "core", [key])]
        for a in d["actions"]:
            marks += [Mark(a["verb"]["start"], a["verb"]["end"], "verb", [key]),
                      Mark(a["object"]["start"], a["object"]["end"], "object", [key])]
    return marks


def _merge(marks: list[Mark]) -> list[Mark]:
    """One mark per (role, start, end, label): a period shared by ten facts is drawn once."""
    merged: dict[tuple, Mark] = {}
    for m in marks:
        if m.end <= m.start:
            continue
        key = (m.role, m.start, m.end, m.label)
        if key in merged:
            merged[key].keys += [k for k in m.keys if k not in merged[key].keys]
        else:
            merged[key] = Mark(m.start, m.end, m.role, list(m.keys), m.label)
    return sorted(merged.values(), key=lambda m: (m.start, -m.end, m.role))


def _open(m: Mark) -> str:
    keys = f' data-f="{" ".join(m.keys)}"' if m.keys else ""
    if m.role == "ent":
        colour = COLOURS.get(m.label, "#ddd")
        return f'<mark class="ent e-{escape(m.label)}" style="background: {colour}"{keys}>'
    return f'<span class="m r-{m.role}"{keys}>'


def _close(m: Mark, ends_here: bool) -> str:
    badge = f'<span class="lbl">{escape(m.label)}</span>' if m.label and ends_here else ""
    return badge + ("</mark>" if m.role == "ent" else "</span>")


def render_text(text: str, start: int, end: int, marks: list[Mark]) -> str:
    """text[start:end] with marks: cut at every mark boundary, each piece wrapped in the marks covering
    it (outermost first), so overlapping marks nest correctly."""
    inside = [m for m in marks if m.start < end and m.end > start]
    cuts = sorted({start, end} | {p for m in inside for p in (m.start, m.end) if start < p < end})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        cover = [m for m in inside if m.start <= a and m.end >= b]
        out.append("".join(_open(m) for m in cover) + escape(text[a:b])
                   + "".join(_close(m, m.end == b) for m in reversed(cover)))
    return "".join(out)


def _num(x) -> str:
    if x is None:
        return ""
    return escape(f"{x:,}" if isinstance(x, int) and abs(x) >= 10000 else f"{x:g}" if isinstance(x, float) else str(x))


def _value_cell(v: dict | None) -> str:
    if not v:
        return ""
    extra = f" ({escape(v['approx'])})" if v.get("approx") else ""
    if v.get("low") is not None and v.get("high") is not None:
        extra += f" {_num(v['low'])}–{_num(v['high'])}"
    return f"{escape(v['text'])}<br><small>{_num(v['number'])} {escape(v['unit'] or '')}{extra}</small>"


def _change_cell(c: dict | None) -> str:
    if not c:
        return ""
    sign = "+" if (c["number"] or 0) > 0 else ""
    return (f"{escape(c['text'])}<br><small>{sign}{_num(c['number'])} {escape(c['unit'] or '')} "
            f"of {escape(c['of'] or '')}</small>")


def _span_cell(s: dict | None) -> str:
    return escape(s["text"]) if s else ""


def facts_table(art: dict, n: int) -> str:
    if not art["facts"]:
        return ""
    rows = []
    for i, f in enumerate(art["facts"]):
        metric = escape(f["metric_name"] or "")
        if f["metric"] and f["metric"]["text"] != f["metric_name"]:
            metric += f"<br><small>{escape(f['metric']['text'])}</small>"
        cells = [str(i + 1), metric, _value_cell(f["value"]), _change_cell(f["change"]),
                 *(_span_cell(f.get(k)) for k in ("basis", "period", "scope"))]
        rows.append(f'<tr data-row="f{n}-{i}" tabindex="0">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("#", "metric", "value", "change", "basis", "period", "scope"))
    return f'<table class="facts"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def directives_list(art: dict, n: int) -> str:
    if not art["directives"]:
        return ""
    items = []
    for i, d in enumerate(art["directives"]):
        head = f"<b>{escape(str(d['ordinal']))}.</b> " if d.get("ordinal") is not None else ""
        cue = f'<small>[{escape(d["cue"])}]</small> ' if d.get("cue") else ""
        acts = "；".join(f"{escape(a['verb']['text'])} · {escape(a['object']['text'])}" for a in d["actions"])
        acts = f"<br><small>actions: {acts}</small>" if acts else ""
        items.append(f'<li data-row="d{n}-{i}" tabindex="0">{head}{cue}{escape(d["core"]["text"])}{acts}</li>')
    return f'<ol class="directives">{"".join(items)}</ol>'


def _where(art: dict) -> str:
    bits = [f"[{art['start']}:{art['end']}]"]
    if art.get("byline"):
        bits.append(escape(art["byline"]["text"]))
    if art.get("continued_from"):
        bits.append(f"continued from p.{int(art['continued_from']['page'])}")
    if art.get("continued_to"):
        bits.append(f"continued on p.{int(art['continued_to']['page'])}")
    return " · ".join(bits)


def article_html(text: str, art: dict, n: int, start: int) -> str:
    marks = _merge(_marks_of_article(art, n))
    checks = "".join(f"<li>{escape(c['kind'])}: {escape(c['status'])} — {escape(c['description'])}</li>"
                     for c in art.get("checks", []))
    return (f'<section class="article" id="article-{n}"><h2>{escape(art["title"] or "(untitled)")}</h2>'
            f'<div class="where">{_where(art)}</div>'
            f'<div class="text">{render_text(text, start, max(start, art["end"]), marks)}</div>'
            f'{facts_table(art, n)}{directives_list(art, n)}'
            + (f'<ul class="checks">{checks}</ul>' if checks else "") + "</section>")


def _legend() -> str:
    roles = [(label, COLOURS[label]) for label in ENTITY_LABELS]
    roles += [(s.upper(), COLOURS[s.upper()]) for s in FACT_SLOTS]
    return "".join(f'<span style="background: {c}">{escape(name)}</span>' for name, c in roles)


def render_page(doc: dict, text: str) -> str:
    """The page JSON `doc` over its original `text` as a self-contained HTML document."""
    src = doc["source"]
    body, cursor = [], 0
    for n, art in enumerate(sorted(doc["articles"], key=lambda a: a["start"]), 1):
        start = max(art["start"], cursor)
        if start > cursor:
            body.append(f'<div class="text gap">{escape(text[cursor:start])}</div>')
        body.append(article_html(text, art, n, start))
        cursor = max(cursor, art["end"])
    if cursor < len(text):
        body.append(f'<div class="text gap">{escape(text[cursor:])}</div>')
    n_facts = sum(len(a["facts"]) for a in doc["articles"])
    n_dirs = sum(len(a["directives"]) for a in doc["articles"])
    info = (f"encoding {escape(src['encoding'])} · extractor {escape(doc['extractor'])} · "
            f"{len(doc['articles'])} articles · {n_facts} facts · {n_dirs} directives")
    return ("<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\">" + _csp() +
            f"<title>{escape(Path(src['path']).name)}</title><style>{CSS}</style></head><body>"
            f'<header class="page"><h1>{escape(Path(src["path"]).name)}</h1><p>{info}</p>'
            f'<p class="legend">{_legend()} · click a fact or directive to see its evidence</p></header>'
            f'<main>{"".join(body)}</main><script>{JS}</script></body></html>\n')


def _csp() -> str:
    """The reports' Content-Security-Policy, plus the one inline script of the page by its hash:
    nothing else can run, whatever a prediction file smuggles in."""
    digest = base64.b64encode(hashlib.sha256(JS.encode("utf-8")).digest()).decode("ascii")
    return ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
            f"style-src 'unsafe-inline'; script-src 'sha256-{digest}'\">")


class RenderError(Exception):
    pass


def load_prediction(pred_path: str | Path, sha256: str) -> dict:
    """The page document in a `baozhi extract` JSON/JSONL file that was made from the page with `sha256`;
    the file is checked against the page schema (it is untrusted input to the HTML)."""
    try:
        docs = load_predictions([pred_path])
    except PredictionError as exc:
        raise RenderError(str(exc)) from exc
    if sha256 not in docs:
        raise RenderError(f"{pred_path}: no prediction for this page (sha256 {sha256[:12]}…)")
    return docs[sha256]


def render_file(page: str | Path, extractor=None, pred: str | Path | None = None) -> str:
    """HTML for a page file: from an existing prediction (`pred`) or by running `extractor`."""
    from .ingest import read_page

    if pred is not None:
        text, source = read_page(page)
        return render_page(load_prediction(pred, source.sha256), text)
    result = extractor.extract_file(page)
    return render_page(page_to_json(result), result.original)
