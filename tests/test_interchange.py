"""Annotation interchange: gold → Label Studio / doccano → gold is lossless on every gold page; DocBin and
CoNLL carry every span; corrections made in a tool come back."""

import json
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from conftest import GOLD, PAGES, SHARED

from baozhi.cli import main
from baozhi.gold import iter_spans, load_gold, read_gold_page
from baozhi.interchange import (
    LABELS,
    ConvertError,
    PageDoc,
    PageFinder,
    doccano_graph,
    gold_to_graph,
    import_graph,
    labelstudio_config,
    labelstudio_graph,
    prediction_to_gold,
    to_conll,
    to_docbin,
    to_doccano,
    to_labelstudio,
)
from baozhi.model import page_to_json

# Every gold page, format 1 and 2 (page block, furniture, headline group, analyst fields of facts).
GOLD_FILES = sorted(GOLD.glob("*.json"))
TELECOM = GOLD / "telecom_2024h1.json"


def clean(gold: dict) -> dict:
    """Gold as data: list order carries no meaning (a tool returns regions in text order)."""
    out = json.loads(json.dumps({k: v for k, v in gold.items() if not k.startswith("_")}))
    for key in ("articles", "facts", "directives", "entities", "furniture"):
        if key in out:
            out[key] = sorted(out[key], key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
    return out


def page_doc(path) -> PageDoc:
    gold = load_gold(path)
    if gold["path"].startswith("../shared") and not (SHARED / "seed").exists():
        pytest.skip("../shared/seed is not present")
    return PageDoc(gold, read_gold_page(gold)[0], "gold")


@pytest.fixture(scope="module")
def finder():
    return PageFinder([str(PAGES)] + ([str(SHARED / "seed")] if (SHARED / "seed").exists() else []))


def through_json(obj):
    """What a tool reads back from a file."""
    return json.loads(json.dumps(obj, ensure_ascii=False))


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_labelstudio_gold_is_lossless(path, finder):
    doc = page_doc(path)
    task = through_json(to_labelstudio(doc))
    assert task["data"]["text"] == doc.text and task["annotations"][0]["result"]
    back = import_graph(labelstudio_graph(task, path.name), finder, task["data"]["text"], None)
    assert clean(back.gold) == clean(doc.gold)


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_doccano_gold_is_lossless(path, finder):
    doc = page_doc(path)
    line = through_json(to_doccano(doc, 1))
    assert {"id", "text", "entities", "relations", "meta"} <= line.keys()
    back = import_graph(doccano_graph(line), finder, line["text"], None)
    assert clean(back.gold) == clean(doc.gold)


def test_labelstudio_task_shape_and_full_width_offsets():
    doc = page_doc(TELECOM)
    result = to_labelstudio(doc)["annotations"][0]["result"]
    regions = [r for r in result if r["type"] == "labels"]
    assert {r["value"]["labels"][0] for r in regions} <= set(LABELS)
    for r in regions:
        v = r["value"]
        assert doc.text[v["start"]:v["end"]] == v["text"]
        assert r["from_name"] == "label" and r["to_name"] == "text"
    assert any(r["value"]["text"] == "８９８９．７亿元" for r in regions)  # code points, full-width kept
    ids = {r["id"] for r in regions}
    relations = [r for r in result if r["type"] == "relation"]
    assert relations and all(r["from_id"] in ids and r["to_id"] in ids and r["labels"] for r in relations)
    numbers = [r for r in result if r["type"] == "textarea" and r["from_name"] == "number"]
    assert "898970000000" in {r["value"]["text"][0] for r in numbers}


def test_labelstudio_config_is_xml_with_every_label():
    root = ET.fromstring(labelstudio_config())
    assert root.tag == "View"
    assert {e.get("value") for e in root.iter("Label")} == set(LABELS)
    assert root.find("Text").get("value") == "$text" and root.find("Labels").get("toName") == "text"
    assert {e.get("value") for e in root.iter("Relation")} >= {"metric", "change", "core", "action", "object", "title"}


def test_corrections_made_in_labelstudio_come_back(finder):
    doc = page_doc(TELECOM)
    task = through_json(to_labelstudio(doc))
    task["predictions"] = [{"result": []}]  # annotations win over predictions
    result = task["annotations"][0]["result"]
    title_rel, byline_rel = [r for r in result if r["type"] == "relation"][:2]
    title_rel.pop("labels")  # drawn without a label, pointing left
    title_rel["from_id"], title_rel["to_id"], title_rel["direction"] = title_rel["to_id"], title_rel["from_id"], "left"
    byline_rel["from_id"], byline_rel["to_id"] = byline_rel["to_id"], byline_rel["from_id"]  # drawn backwards
    number = next(r for r in result if r["type"] == "textarea" and r["from_name"] == "number")
    number["value"]["text"] = ["42"]
    start = doc.text.index("湖州市")
    result.append({"id": "newLOC1", "from_name": "label", "to_name": "text", "type": "labels",
                   "value": {"start": start, "end": start + 3, "text": "湖州市", "labels": ["ORG"]}})
    task["annotations"].insert(0, {"result": [], "was_cancelled": True})
    gold = import_graph(labelstudio_graph(task, "t"), finder, task["data"]["text"], "dev").gold
    assert gold["split"] == "dev"
    assert gold["articles"][0]["title"] == doc.gold["articles"][0]["title"]
    assert gold["articles"][0]["byline"] == doc.gold["articles"][0]["byline"]
    assert gold["facts"][0]["value"]["number"] == "42"
    assert {"start": start, "end": start + 3, "text": "湖州市", "label": "ORG"} in gold["entities"]
    assert len(gold["entities"]) == len(doc.gold["entities"]) + 1


def test_import_refuses_a_changed_page_or_bad_offsets(finder):
    doc = page_doc(TELECOM)
    task = through_json(to_labelstudio(doc))
    with pytest.raises(ConvertError, match="not the text that was annotated"):
        import_graph(labelstudio_graph(task, "t"), finder, task["data"]["text"] + "x", None)
    region = next(r for r in task["annotations"][0]["result"] if r["type"] == "labels")
    region["value"]["start"] += 1
    with pytest.raises(ConvertError, match="offsets"):
        labelstudio_graph(task, "t")


def test_cli_gold_to_labelstudio_to_gold(tmp_path):
    tasks = tmp_path / "tasks.json"
    assert main(["convert", str(TELECOM), "--to", "labelstudio", "-o", str(tasks)]) == 0
    assert (tmp_path / "tasks.config.xml").exists()
    out = tmp_path / "gold"
    assert main(["convert", str(tasks), "--to", "gold", "--pages", str(PAGES), "-o", str(out)]) == 0
    assert clean(json.loads((out / TELECOM.name).read_text(encoding="utf-8"))) == clean(load_gold(TELECOM))
    line = tmp_path / "pages.jsonl"
    assert main(["convert", str(TELECOM), "--to", "doccano", "-o", str(line)]) == 0
    assert main(["convert", str(line), "--from", "doccano", "--to", "gold", "--pages", str(PAGES),
                 "-o", str(tmp_path / "t.json")]) == 0
    assert clean(json.loads((tmp_path / "t.json").read_text())) == clean(load_gold(TELECOM))


def test_cli_missing_page_is_a_clean_error(tmp_path, capsys):
    tasks = tmp_path / "tasks.json"
    assert main(["convert", str(TELECOM), "--to", "labelstudio", "-o", str(tasks)]) == 0
    data = json.loads(tasks.read_text())
    data[0]["data"]["file"] = data[0]["data"]["path"] = "nowhere.txt"
    tasks.write_text(json.dumps(data))
    assert main(["convert", str(tasks), "--to", "gold", "-o", str(tmp_path / "g")]) == 2
    assert "nowhere.txt" in capsys.readouterr().err


def test_predictions_go_out_and_come_back(extractor, finder):
    result = extractor.extract_file(PAGES / "telecom_2024h1.txt")
    gold = prediction_to_gold(page_to_json(result))
    for where, span in iter_spans({k: gold[k] for k in ("articles", "facts", "directives", "entities")}):
        assert result.original[span["start"]:span["end"]] == span["text"], where
    task = through_json(to_labelstudio(PageDoc(gold, result.original, "pred", result.extractor)))
    assert "predictions" in task and "annotations" not in task
    back = import_graph(labelstudio_graph(task, "p"), finder, task["data"]["text"], None).gold
    assert clean(back) == clean(gold)


def test_docbin_keeps_every_span():
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    docs = [page_doc(p) for p in (TELECOM, GOLD / "meeting_industry_2024.json")]
    loaded = list(DocBin(store_user_data=True).from_bytes(to_docbin(docs)).get_docs(Vocab()))
    for doc, page in zip(loaded, docs, strict=True):
        assert doc.text == page.text
        expected = Counter(r.label for r in gold_to_graph(page.gold).regions)
        assert {label: len(doc.spans[label]) for label in LABELS if len(doc.spans[label])} == dict(expected)
        assert {e.label_ for e in doc.ents} <= {"PER", "LOC", "ORG"} and len(doc.ents) == len(page.gold["entities"])
        assert doc.user_data["gold"]["sha256"] == page.gold["sha256"]


def test_conll_has_one_tag_line_per_non_whitespace_char():
    doc = page_doc(TELECOM)
    lines = [x for x in to_conll([doc]).splitlines() if x and not x.startswith("# ")]
    assert len(lines) == sum(not ch.isspace() for ch in doc.text)
    for line in lines:
        ch, offset, *tags = line.split("\t")
        assert doc.text[int(offset)] == ch and len(tags) == 8
    begins = Counter(tag[2:] for line in lines for tag in line.split("\t")[2:] if tag.startswith("B-"))
    assert begins["PER"] + begins["LOC"] + begins["ORG"] == len(doc.gold["entities"])
    assert begins["ARTICLE"] == len(doc.gold["articles"])


def test_every_label_has_its_own_colour():
    from baozhi.interchange import COLOURS

    assert len(set(COLOURS.values())) == len(COLOURS)


def test_convert_refuses_a_conll_file_as_a_page(tmp_path):
    from baozhi.cli import main

    conll = tmp_path / "ner.txt"
    conll.write_text("".join(f"{c} {t}\n" for c, t in zip("北京市政府", ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG"],
                                                          strict=True)) + "\n" + "在 O\n京 B-LOC\n", encoding="utf-8")
    assert main(["convert", str(conll), "--to", "gold", "-o", str(tmp_path / "gold"), "--extractor", "rules"]) == 2
    assert not (tmp_path / "gold").exists()
