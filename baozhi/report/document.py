"""The report document: blocks rendered to Markdown and to HTML from the same data.
Everything taken from a page is HTML-escaped: pages are untrusted input."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Text:
    text: str


@dataclass
class Chart:
    file: str
    png: bytes
    alt: str


@dataclass
class Legend:
    pass


@dataclass
class Example:
    title: str
    text: str
    gold: list[tuple[int, int]]
    pred: list[tuple[int, int]]
    details: list[str]


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    title: str
    sections: list[Section]

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


def _md(s) -> str:
    return html.escape(str(s), quote=False).replace("|", "\\|").replace("\n", " ")


def _bracket(text: str, spans: list[tuple[int, int]], left: str, right: str) -> str:
    on = _coverage(len(text), spans)
    out, prev = [], False
    for ch, flag in zip(text, on, strict=True):
        if flag != prev:
            out.append(left if flag else right)
            prev = flag
        out.append(ch)
    if prev:
        out.append(right)
    return "".join(out)


def _coverage(n: int, spans: list[tuple[int, int]]) -> list[bool]:
    on = [False] * n
    for s, e in spans:
        for i in range(max(0, s), min(n, e)):
            on[i] = True
    return on


def to_markdown(doc: Document) -> str:
    out = [f"# {_md(doc.title)}", ""]
    for section in doc.sections:
        out += [f"## {_md(section.title)}", ""]
        for b in section.blocks:
            if isinstance(b, Table):
                out.append("| " + " | ".join(map(_md, b.headers)) + " |")
                out.append("|" + "---|" * len(b.headers))
                out += ["| " + " | ".join(map(_md, row)) + " |" for row in b.rows]
            elif isinstance(b, Text):
                out.append(_md(b.text))
            elif isinstance(b, Chart):
                out.append(f"![{_md(b.alt)}]({b.file})")
            elif isinstance(b, Legend):
                out.append("Gold spans are in 【】, predicted spans in 〔〕; ↵ is a line break of the page.")
            elif isinstance(b, Example):
                out += [f"### {_md(b.title)}", "",
                        f"- gold: {_md(_bracket(b.text, b.gold, '【', '】'))}",
                        f"- pred: {_md(_bracket(b.text, b.pred, '〔', '〕'))}"]
                out += [f"- {_md(d)}" for d in b.details]
            out.append("")
    return "\n".join(out)


STYLE = """
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccc;padding:.2em .5em}
td{text-align:right}td:first-child{text-align:left}th{background:#f3f3f3}
mark.gold{background:#ffe08a}mark.pred{background:#9fd3ff}mark.both{background:#9be39b}
.example{border-left:3px solid #ccc;padding-left:1em;margin:1em 0}.sentence{font-size:1.1em}
img{max-width:100%}
"""


def _marked_html(text: str, gold: list[tuple[int, int]], pred: list[tuple[int, int]]) -> str:
    g, p = _coverage(len(text), gold), _coverage(len(text), pred)
    out, run, cls = [], [], None

    def flush():
        if run:
            body = html.escape("".join(run))
            out.append(f'<mark class="{cls}">{body}</mark>' if cls else body)

    for i, ch in enumerate(text):
        c = {(True, False): "gold", (False, True): "pred", (True, True): "both"}.get((g[i], p[i]))
        if c != cls:
            flush()
            run, cls = [], c
        run.append(ch)
    flush()
    return "".join(out)


def to_html(doc: Document) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
           'style-src \'unsafe-inline\'">',
           f"<title>{e(doc.title)}</title><style>{STYLE}</style></head><body>", f"<h1>{e(doc.title)}</h1>"]
    for section in doc.sections:
        out.append(f"<section><h2>{e(section.title)}</h2>")
        for b in section.blocks:
            if isinstance(b, Table):
                out.append("<table><thead><tr>" + "".join(f"<th>{e(str(h))}</th>" for h in b.headers)
                           + "</tr></thead><tbody>")
                out += ["<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in b.rows]
                out.append("</tbody></table>")
            elif isinstance(b, Text):
                out.append(f"<p>{e(b.text)}</p>")
            elif isinstance(b, Chart):
                data = base64.b64encode(b.png).decode("ascii")
                out.append(f'<figure><img alt="{e(b.alt)}" src="data:image/png;base64,{data}"></figure>')
            elif isinstance(b, Legend):
                out.append('<p><mark class="gold">gold span</mark> <mark class="pred">predicted span</mark> '
                           '<mark class="both">both</mark>; ↵ is a line break of the page.</p>')
            elif isinstance(b, Example):
                out.append(f'<div class="example"><h3>{e(b.title)}</h3>'
                           f'<p class="sentence">{_marked_html(b.text, b.gold, b.pred)}</p><ul>'
                           + "".join(f"<li>{e(d)}</li>" for d in b.details) + "</ul></div>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def bar_chart(groups: list[str], series: dict[str, list[float]], title: str) -> bytes:
    """A grouped bar chart as PNG bytes (Agg canvas, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(6.0, 0.8 * len(groups) + 2), 3.8), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        ax.bar([i + offset for i in range(len(groups))], values, width, label=name)
    ax.set_xticks(range(len(groups)), groups, rotation=25, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
