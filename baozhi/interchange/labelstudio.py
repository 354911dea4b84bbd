"""Label Studio tasks and labelling config."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .graph import (
    ALL_FIELDS,
    COLOURS,
    LABELS,
    RELATION_OF,
    ConvertError,
    Graph,
    PageDoc,
    PageFinder,
    Region,
    gold_to_graph,
    import_graph,
    make_graph,
    read_json,
)


def _ls_region(r: Region, text: str) -> dict:
    return {"id": r.id, "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": r.start, "end": r.end, "text": text[r.start:r.end], "labels": [r.label]}}


def _ls_fields(r: Region) -> list[dict]:
    """Per-region TextArea results (same id as the region) carry the non-span fields."""
    return [{"id": r.id, "from_name": name, "to_name": "text", "type": "textarea",
             "value": {"start": r.start, "end": r.end, "text": [str(value)]}}
            for name, value in r.fields.items()]


def to_labelstudio(doc: PageDoc) -> dict:
    """One Label Studio task: `annotations` for gold, `predictions` for extractor output."""
    graph = gold_to_graph(doc.gold)
    result = [_ls_region(r, doc.text) for r in graph.regions]
    result += [item for r in graph.regions for item in _ls_fields(r)]
    result += [{"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [kind]}
               for a, b, kind in graph.relations]
    task = {"data": {"text": doc.text, **graph.page}}
    if doc.kind == "gold":
        task["annotations"] = [{"result": result, "ground_truth": False}]
    else:
        task["predictions"] = [{"model_version": doc.model or "baozhi", "result": result}]
    return task


def labelstudio_config() -> str:
    """The labeling config the tasks expect: span labels, relation labels, per-region field boxes."""
    labels = "\n".join(f"    <Label value=\"{name}\" background=\"{COLOURS[name]}\"/>" for name in LABELS)
    relations = "\n".join(f"    <Relation value=\"{kind}\"/>" for kind in dict.fromkeys(RELATION_OF.values()))
    boxes = "\n".join(f"    <TextArea name=\"{name}\" toName=\"text\" perRegion=\"true\" editable=\"true\" "
                      f"maxSubmissions=\"1\" placeholder={quoteattr(name)}/>" for name in ALL_FIELDS)
    return ("<View>\n  <Style>.htx-text { white-space: pre-wrap; }</Style>\n"
            f"  <Labels name=\"label\" toName=\"text\">\n{labels}\n  </Labels>\n"
            f"  <Relations>\n{relations}\n  </Relations>\n"
            "  <Text name=\"text\" value=\"$text\"/>\n"
            f"  <View visibleWhen=\"region-selected\">\n{boxes}\n  </View>\n</View>\n")


def _ls_result(task: dict) -> list[dict]:
    """The newest non-cancelled annotation, else the first prediction."""
    done = [a for a in task.get("annotations") or task.get("completions") or []
            if isinstance(a, dict) and not a.get("was_cancelled")]
    if done:
        return done[-1].get("result") or []
    preds = [p for p in task.get("predictions") or [] if isinstance(p, dict)]  # exports may list ids only
    return (preds[0].get("result") or []) if preds else []


def _ls_field_value(value: dict):
    got = value.get("text", value.get("choices"))
    if isinstance(got, list):
        return "\n".join(map(str, got)) if got else None
    return got


def labelstudio_graph(task: dict, name: str) -> Graph:
    data = task.get("data") or {}
    regions, fields, arrows = {}, defaultdict(dict), []
    for item in _ls_result(task):
        kind, value = item.get("type"), item.get("value") or {}
        if kind == "labels" and value.get("labels"):
            regions[item["id"]] = Region(item["id"], value["labels"][0], int(value["start"]), int(value["end"]))
            if "text" in value and value["text"] != data.get("text", "")[value["start"]:value["end"]]:
                raise ConvertError(f"{name}: region {item['id']} [{value['start']}:{value['end']}] says "
                                   f"{value['text']!r}, the text there is different (offsets not in code points?)")
        elif kind in ("textarea", "choices") and item.get("from_name") in ALL_FIELDS:
            fields[item["id"]][item["from_name"]] = _ls_field_value(value)
        elif kind == "relation":
            pair = (item["from_id"], item["to_id"])
            arrows.append(pair[::-1] if item.get("direction") == "left" else pair)
    for rid, values in fields.items():
        if rid in regions:
            regions[rid].fields.update({k: v for k, v in values.items() if v is not None})
    page = {k: v for k, v in data.items() if k != "text"}
    return make_graph(page, list(regions.values()), arrows)


def from_labelstudio(path: str | Path, finder: PageFinder, split: str | None = None) -> list[PageDoc]:
    tasks = read_json(path)
    tasks = tasks if isinstance(tasks, list) else [tasks]
    docs = []
    for i, task in enumerate(tasks):
        name = f"{path} task {task.get('id', i)}"
        docs.append(import_graph(labelstudio_graph(task, name), finder, (task.get("data") or {}).get("text"), split))
    return docs
