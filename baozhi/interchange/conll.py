"""gold → CoNLL/BIO columns (export only)."""

from __future__ import annotations

from ..lexicon import SENTENCE_END
from .graph import CONLL_LAYERS, PageDoc, Region, gold_to_graph


def _bio(length: int, regions: list[Region]) -> list[str]:
    """BIO tags of one layer; a region overlapping an earlier (longer-first) one is left out."""
    tags = ["O"] * length
    for r in sorted(regions, key=lambda r: (r.start, -r.end)):
        if r.end > r.start and all(t == "O" for t in tags[r.start:r.end]):
            tags[r.start:r.end] = [f"B-{r.label}"] + [f"I-{r.label}"] * (r.end - r.start - 1)
    return tags


def _inside(length: int, regions: list[Region]) -> list[bool]:
    """inside[i]: a short span runs across the boundary before character i (no sentence break there)."""
    inside = [False] * (length + 1)
    for r in regions:
        if r.label not in ("ARTICLE", "DIRECTIVE"):
            for i in range(r.start + 1, r.end):
                inside[i] = True
    return inside


def to_conll(docs: list[PageDoc]) -> str:
    """One non-whitespace character per line: CHAR, OFFSET and a BIO column per layer; a blank line
    between sentences and paragraphs."""
    lines = []
    for page in docs:
        text, regions = page.text, gold_to_graph(page.gold).regions
        columns = [_bio(len(text), [r for r in regions if r.label in labels]) for _, labels in CONLL_LAYERS]
        inside = _inside(len(text), regions)
        lines += [f"# doc = {page.gold.get('file')}", "# columns = CHAR OFFSET " +
                  " ".join(name for name, _ in CONLL_LAYERS)]
        pending = False
        for i, ch in enumerate(text):
            if pending and not inside[i] and lines[-1] != "":
                lines.append("")
            pending = pending or ch == "\n"
            if ch.isspace():
                continue
            lines.append("\t".join([ch, str(i), *(col[i] for col in columns)]))
            pending = ch in SENTENCE_END
        if lines[-1] != "":
            lines.append("")
    return "\n".join(lines) + "\n"
