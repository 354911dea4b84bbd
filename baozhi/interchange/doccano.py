"""doccano JSONL (entities and relations)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from .graph import (
    ConvertError,
    Graph,
    PageDoc,
    PageFinder,
    Region,
    gold_to_graph,
    import_graph,
    make_graph,
    read_jsonl,
)


def _field_keys(regions: list[Region]) -> list[str]:
    """`LABEL:start:end`, numbered when repeated: doccano renumbers entity ids, offsets survive."""
    seen: Counter = Counter()
    keys = []
    for r in regions:
        key = f"{r.label}:{r.start}:{r.end}"
        seen[key] += 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def to_doccano(doc: PageDoc, number: int) -> dict:
    """One doccano relation-extraction line; non-span fields go in `meta`."""
    graph = gold_to_graph(doc.gold)
    ids = {r.id: i for i, r in enumerate(graph.regions)}
    fields = {key: r.fields for key, r in zip(_field_keys(graph.regions), graph.regions, strict=True) if r.fields}
    return {"id": number, "text": doc.text,
            "entities": [{"id": ids[r.id], "label": r.label, "start_offset": r.start, "end_offset": r.end}
                         for r in graph.regions],
            "relations": [{"id": i, "from_id": ids[a], "to_id": ids[b], "type": kind}
                          for i, (a, b, kind) in enumerate(graph.relations)],
            "meta": {"page": graph.page, "fields": fields}}


def _doccano_meta(line: dict) -> dict:
    meta = line.get("meta") or {k: line[k] for k in ("page", "fields") if k in line}
    return json.loads(meta) if isinstance(meta, str) else meta


def doccano_graph(line: dict) -> Graph:
    meta = _doccano_meta(line)
    entities = line.get("entities")
    if entities is None:  # the older sequence-labelling export: "label": [[start, end, LABEL], ...]
        entities = [{"id": i, "start_offset": s, "end_offset": e, "label": lab}
                    for i, (s, e, lab) in enumerate(line.get("label") or [])]
    regions = [Region(str(e["id"]), e["label"], int(e["start_offset"]), int(e["end_offset"])) for e in entities]
    fields = meta.get("fields") or {}
    for key, r in zip(_field_keys(regions), regions, strict=True):
        r.fields.update(fields.get(key) or {})
    arrows = [(str(rel["from_id"]), str(rel["to_id"])) for rel in line.get("relations") or []]
    return make_graph(dict(meta.get("page") or {}), regions, arrows)


def from_doccano(path: str | Path, finder: PageFinder, split: str | None = None) -> list[PageDoc]:
    docs = []
    for n, line in enumerate(read_jsonl(path), 1):
        graph = doccano_graph(line)
        try:
            docs.append(import_graph(graph, finder, line.get("text"), split))
        except ConvertError as exc:
            raise ConvertError(f"{path} line {n}: {exc}") from exc
    return docs
