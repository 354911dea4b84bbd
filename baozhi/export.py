"""Stage 6: page JSON, JSON Lines and a readable terminal table; files are written atomically."""

from __future__ import annotations

import io
import json

from .files import page_schema
from .model import PageResult, page_to_json


def validate(document: dict) -> None:
    """Raise jsonschema.ValidationError when a page document breaks the published schema."""
    import jsonschema

    jsonschema.validate(document, page_schema())


def render(pages: list[PageResult], fmt: str, explain: bool = False, width: int = 120) -> str:
    docs = [page_to_json(p) for p in pages]
    if fmt == "json":
        body = docs[0] if len(docs) == 1 else docs
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    if fmt == "table":
        return render_table(docs, explain, width)
    raise ValueError(f"unknown format {fmt!r}")


def _fmt_number(x) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:g}"
    return f"{x:,}" if abs(x) >= 10000 else str(x)


def render_table(docs: list[dict], explain: bool = False, width: int = 120) -> str:
    from rich.console import Console
    from rich.table import Table

    buf = io.StringIO()
    console = Console(file=buf, width=width, force_terminal=False, color_system=None)
    for doc in docs:
        src = doc["source"]
        console.print(f"[bold]{src['path']}[/bold]  encoding={src['encoding']} ({src['encoding_reason']})  "
                      f"articles={len(doc['articles'])}  extractor={doc['extractor']}")
        if explain:
            for r in doc["repairs"]:
                console.print(f"  repair {r['kind']:<9} @{r['start']}-{r['end']} removed {r['removed']!r}: {r['note']}")
        for n, art in enumerate(doc["articles"], 1):
            extra = []
            if art["byline"]:
                extra.append(f"byline {art['byline']['text']}")
            if art["continued_from"]:
                extra.append(f"continued from p.{art['continued_from']['page']}")
            if art["continued_to"]:
                extra.append(f"continued on p.{art['continued_to']['page']}")
            console.rule(f"{n}. {art['title'] or '(untitled)'}  [{art['start']}:{art['end']}]  " + "; ".join(extra))
            if art["sections"]:
                console.print("sections: " + " / ".join(s["text"] for s in art["sections"]))
            if art["facts"]:
                table = Table("metric", "value", "change", "basis", "period", "scope", show_lines=False)
                for f in art["facts"]:
                    v, c = f["value"], f["change"]
                    table.add_row(
                        f["metric_name"],
                        f"{_fmt_number(v['number'])} {v['unit']}" + (f" ({v['approx']})" if v["approx"] else "") if v else "",
                        f"{'+' if c['number'] > 0 else ''}{_fmt_number(c['number'])} {c['unit']} of {c['of']}" if c else "",
                        (f["basis"] or {}).get("text", ""), (f["period"] or {}).get("text", ""),
                        (f["scope"] or {}).get("text", ""),
                    )
                console.print(table)
            for d in art["directives"]:
                head = f"{d['ordinal']}. " if d["ordinal"] else ""
                cue = f"[{d['cue']}] " if d["cue"] else ""
                console.print(f"▸ {head}{cue}{d['core']['text']}")
                if d["actions"]:
                    console.print("    " + "；".join(f"{a['verb']['text']}·{a['object']['text']}" for a in d["actions"]))
            for c in art["checks"]:
                console.print(f"check {c['kind']}: {c['status']} — {c['description']}")
            if art["entities"]:
                console.print("entities: " + "，".join(f"{e['text']}/{e['label']}" for e in art["entities"]))
    return buf.getvalue()
