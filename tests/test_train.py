"""The training code path for real: tokenizer, stand-off loader, features, a tiny pretrain +
finetune run, the saved model directory reloaded by the pipeline."""

import json

import pytest
from conftest import GOLD, PAGES
from hypothesis import given, settings
from hypothesis import strategies as st

from baozhi.export import validate
from baozhi.layers import LAYERS, tags, windows
from baozhi.learn.data import load_standoff, page_view
from baozhi.model import page_to_json
from baozhi.nn.features import Collator, featurize
from baozhi.nn.tokenizer import build_vocab, encode_chars, save_vocab, unk_rate

TRAIN_PAGES = [GOLD / "telecom_2024h1.json", GOLD / "trade_2024q1.json"]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    texts = [page_view(p.read_bytes().decode("utf-8-sig")).text for p in PAGES.glob("software*.txt")]
    return save_vocab(build_vocab(texts, min_count=1), tmp_path_factory.mktemp("tok"))


def test_tokenizer_keeps_digits_and_latin(tokenizer):
    enc = encode_chars(tokenizer, "收入35609亿元，5G xyz")
    pieces = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    assert pieces[1:] == [*"收入35609亿元，5Gxyz", "[SEP]"]  # one token per character, the space none
    assert enc.word_ids()[-2] == len("收入35609亿元，5G xyz") - 1


def test_unk_rate_is_measured(tokenizer):
    rate, missing = unk_rate(tokenizer, ["软件业务收入增长", "鑫"])
    assert 0 < rate < 0.5 and "鑫" in missing


def test_windows_cover_every_character():
    text = "第一段" + "很长的句子。" * 60 + "\n\n第二段短。"
    wins = windows(text)
    assert all(e - s <= 126 for s, e in wins)
    covered = {i for s, e in wins for i in range(s, e)}
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_standoff_loader_keeps_page_splits_and_spans():
    ds = load_standoff(TRAIN_PAGES + [GOLD / "software_2023q3.json"])
    assert set(ds) == {"train", "dev"}
    assert set(ds["dev"]["doc"]) == {"software_2023q3"}
    ex = next(e for e in ds["dev"] if e["spans"])
    for s in ex["spans"]:
        assert 0 <= s["start"] < s["end"] <= len(ex["text"])
    values = [e["text"][s["start"]:s["end"]] for e in ds["dev"] for s in e["spans"] if s["label"] == "VALUE"]
    assert "89260亿元" in values


def test_features_align_tags_with_characters(tokenizer):
    ds = load_standoff([GOLD / "software_2023q3.json"])
    ex = next(e for e in ds["dev"] if any(s["label"] == "VALUE" for s in e["spans"]))
    feats = featurize(ex, tokenizer)
    span = next(s for s in ex["spans"] if s["label"] == "VALUE")
    fact_tags = tags("fact")
    token = span["start"] + 1  # [CLS] first; the window has no whitespace before this span
    assert fact_tags[feats["labels_fact"][token]] == "B-VALUE"
    assert all(fact_tags[t] == "I-VALUE" for t in feats["labels_fact"][token + 1: token + span["end"] - span["start"]])
    assert any(label == 1 for label in feats["relation_labels"])
    batch = Collator(tokenizer)([feats, featurize(ds["dev"][0], tokenizer)])
    assert batch["relation_pairs"].shape[0] == 2 and batch["relation_pairs"].shape[2] == 6
    # the rules find this value too: its hint is the same tag, on the fact layer only
    assert feats["hint_ids"][token][0] == feats["labels_fact"][token]
    assert batch["hint_ids"].shape == (2, batch["input_ids"].shape[1], len(LAYERS))
    assert any(pair[5] == 1 for pair in feats["relation_pairs"])


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """Pretrain a tiny char BERT for a few steps, fine-tune it for a few steps, write the card."""
    from baozhi.learn.card import write_card
    from baozhi.learn.finetune import FinetuneConfig, finetune
    from baozhi.learn.pretrain import PretrainConfig, pretrain

    base, out = tmp_path_factory.mktemp("base"), tmp_path_factory.mktemp("model")
    pretrain(base, ".", PretrainConfig(hidden_size=32, layers=1, heads=2, intermediate_size=64, max_steps=3,
                                       batch_size=8, limit_texts=200))
    config = FinetuneConfig(max_steps=8, eval_steps=4, batch_size=8, gold_repeat=1, ner_limit=0, silver_limit=0,
                            correction_weight=3.0)
    info = finetune(str(base), [str(p) for p in TRAIN_PAGES + [GOLD / "software_2023q3.json"]], out, config=config,
                    progress=False)
    write_card(out, info, [str(p) for p in TRAIN_PAGES + [GOLD / "software_2023q3.json"]])
    return out, info


def test_finetune_writes_a_complete_model_directory(tiny_model):
    out, info = tiny_model
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "README.md", "training.json",
                 "encoder.onnx", "relation.onnx"):
        assert (out / name).exists(), name
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "baozhi-extractor" and "fact" in config["layers"]
    assert info["steps"] == 8 and info["counts"]["gold_train"]["VALUE"] > 50
    card = (out / "README.md").read_text()
    assert "seqeval" in card and "| dev | rules |" in card and "| dev | model |" in card


def test_saved_model_runs_in_the_pipeline(tiny_model):
    from baozhi.extractor import Extractor

    out, _ = tiny_model
    result = Extractor(model=out).extract_file(PAGES / "software_2023q3.txt")
    doc = page_to_json(result)
    validate(doc)
    assert doc["extractor"].startswith(f"model:{out.name}@")
    assert len(doc["articles"]) == 2  # layout stays rule-based
    # bylines are layout, not body text: their names are the rules' whatever the model says
    rules = page_to_json(Extractor(extractor="rules").extract_file(PAGES / "software_2023q3.txt"))
    for model_article, rule_article in zip(doc["articles"], rules["articles"], strict=True):
        byline = rule_article["byline"]
        if byline:
            in_byline = [e for e in rule_article["entities"] if byline["start"] <= e["start"] < byline["end"]]
            assert in_byline and all(e in model_article["entities"] for e in in_byline)


def test_ner_evaluation_gives_the_model_rule_hints_per_sentence(tiny_model):
    from baozhi.extract.neural import RuleHints
    from baozhi.learn.ner_eval import model_entities

    sentence = RuleHints([(1, 3, "VALUE"), (0, 1, "METRIC")], {((1, 3, "VALUE"), (0, 1, "METRIC"))}, {(0, 1): "收"}, {})
    moved = RuleHints.joined([sentence, sentence.shifted(5)])  # the second sentence starts at 5
    assert moved.spans == [(1, 3, "VALUE"), (0, 1, "METRIC"), (6, 8, "VALUE"), (5, 6, "METRIC")]
    assert ((6, 8, "VALUE"), (5, 6, "METRIC")) in moved.relations and moved.metric_names == {(0, 1): "收", (5, 6): "收"}
    out, _ = tiny_model
    texts = ["国家统计局局长康义在北京表示，经济运行总体平稳。", "上海市1—9月软件业务收入增长13.6%。"]
    spans = model_entities(out, texts)
    assert len(spans) == 2
    assert all(0 <= s < e <= len(t) for found, t in zip(spans, texts, strict=True) for s, e, _ in found)


def test_missing_model_is_a_clear_error(tmp_path):
    from baozhi.extractor import Extractor

    with pytest.raises(OSError, match="no model there"):
        Extractor(model=tmp_path)


def test_finetune_continues_from_a_model_directory(tiny_model, tmp_path):
    from baozhi.learn.finetune import FinetuneConfig, finetune
    from baozhi.nn.network import ExtractorModel

    out, _ = tiny_model
    saved = ExtractorModel.from_pretrained(str(out)).heads["fact"].weight
    assert (ExtractorModel.from_encoder(str(out)).heads["fact"].weight == saved).all()  # continued, not re-initialised
    config = FinetuneConfig(max_steps=2, eval_steps=2, batch_size=4, gold_repeat=1, ner_limit=0, silver_limit=0)
    info = finetune(str(out), [str(TRAIN_PAGES[0])], tmp_path / "again", config=config, progress=False)
    assert info["steps"] == 2 and (tmp_path / "again" / "model.safetensors").exists()


def test_encoder_can_be_cut_to_its_first_layers(tmp_path):
    """`--encoder-layers N` keeps the base's first N layers as they were pretrained."""
    import torch
    from transformers import BertConfig, BertModel

    from baozhi.nn.network import ExtractorModel

    base = BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                                intermediate_size=32))
    base.save_pretrained(tmp_path)
    model = ExtractorModel.from_encoder(str(tmp_path), encoder_layers=2)
    assert len(model.encoder.encoder.layer) == 2 and model.config.encoder["num_hidden_layers"] == 2
    for kept, pretrained in zip(model.encoder.encoder.layer, base.encoder.layer[:2], strict=True):
        assert torch.equal(kept.output.dense.weight, pretrained.output.dense.weight)


def test_a_trained_model_is_cut_into_a_smaller_student(tmp_path):
    """`finetune --base-model MODEL_DIR --encoder-layers N` starts a student from a trained model's
    first layers, heads and hint embeddings; the saved student reloads with N layers."""
    import torch
    from transformers import BertConfig

    from baozhi.nn.network import ExtractorConfig, ExtractorModel

    encoder = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                         intermediate_size=32).to_dict()
    teacher = ExtractorModel(ExtractorConfig(encoder=encoder))
    teacher.save_pretrained(tmp_path / "teacher")
    student = ExtractorModel.from_encoder(str(tmp_path / "teacher"), encoder_layers=2)
    assert len(student.encoder.encoder.layer) == 2
    assert torch.equal(student.heads["fact"].weight, teacher.heads["fact"].weight)
    assert torch.equal(student.encoder.encoder.layer[1].output.dense.weight,
                       teacher.encoder.encoder.layer[1].output.dense.weight)
    student.save_pretrained(tmp_path / "student")
    assert len(ExtractorModel.load(str(tmp_path / "student")).encoder.encoder.layer) == 2

    pruned = ExtractorModel.from_encoder(str(tmp_path / "student"), ffn_size=8).eval()
    inner, outer = teacher.encoder.encoder.layer[0].intermediate.dense, teacher.encoder.encoder.layer[0].output.dense
    strongest = (inner.weight.norm(dim=1) * outer.weight.norm(dim=0)).topk(8).indices.sort().values
    assert torch.equal(pruned.encoder.encoder.layer[0].intermediate.dense.weight, inner.weight[strongest])
    assert torch.equal(pruned.encoder.encoder.layer[0].output.dense.weight, outer.weight[:, strongest])
    pruned.save_pretrained(tmp_path / "pruned")
    reloaded = ExtractorModel.load(str(tmp_path / "pruned"))
    assert reloaded.config.encoder["intermediate_size"] == 8
    ids = torch.randint(5, 50, (2, 7))
    with torch.no_grad():
        assert torch.allclose(reloaded(input_ids=ids).logits[0], pruned(input_ids=ids).logits[0])


def test_teacher_silver_takes_labels_from_the_teacher_and_hints_from_the_rules():
    from baozhi.extractor import Extractor
    from baozhi.learn.data import prediction_examples
    from baozhi.learn.silver import RULE_LAYERS

    text = (PAGES / "software_2023q3.txt").read_bytes().decode("utf-8-sig")
    rules = page_to_json(Extractor(extractor="rules").extract_text(text, _source()))
    teacher = json.loads(json.dumps(rules))
    for article in teacher["articles"]:
        article["facts"] = article["facts"][:1]  # a teacher that disagrees with the rules
    rows = list(prediction_examples("p", teacher, text, RULE_LAYERS, "train", hints_json=rules))
    labels = [s["label"] for r in rows for s in r["spans"]]
    hinted = [s["label"] for r in rows for s in r["hint_spans"]]
    assert labels.count("VALUE") <= len(teacher["articles"]) < hinted.count("VALUE")
    assert "PER" not in labels and "PER" in hinted  # entities are hints, never silver labels
    same = list(prediction_examples("p", rules, text, RULE_LAYERS, "train"))
    assert [r["hint_spans"] for r in same] == [r["hint_spans"] for r in rows]


def _source():
    from baozhi.model import Source

    return Source("p", "", "utf-8", "test")


def test_relation_scores_by_parts_equal_the_mlp_on_the_concatenation():
    """`score_flat` applies the relation MLP's first layer by parts (each span projected once);
    it must be the MLP of the concatenated features, pair by pair and with padding rows."""
    import torch
    from transformers import BertConfig

    from baozhi.nn.network import ExtractorConfig, ExtractorModel, bucket

    torch.manual_seed(0)
    encoder = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=32).to_dict()
    model = ExtractorModel(ExtractorConfig(encoder=encoder)).eval()
    hidden = torch.randn(3, 12, 16)
    pairs = torch.tensor([[[0, 2, 3, 5, 1, 1], [3, 5, 0, 2, 2, 0]], [[4, 9, 1, 2, 0, 0], [0, 1, 0, 1, 0, 0]],
                          [[7, 8, 7, 8, 3, 1], [2, 11, 5, 6, 1, 0]]])
    with torch.no_grad():
        scores = model.score_pairs(hidden, pairs)
        for b in range(3):
            for p in range(2):
                hs, he, ts, te, kind, hinted = pairs[b, p].tolist()
                head, tail = hidden[b, hs:he].mean(0), hidden[b, ts:te].mean(0)
                features = torch.cat([head, tail, head * tail, model.distance(bucket(torch.tensor(ts - hs))),
                                      model.relation_type(torch.tensor(kind)), model.relation_hint(torch.tensor(hinted))])
                assert torch.allclose(scores[b, p], model.relation(features).squeeze(), atol=1e-5)


_SPAN_LABELS = ["METRIC", "VALUE", "CHANGE", "PERIOD", "SCOPE", "BASIS", "VERB", "OBJECT", "DIRECTIVE", "PER"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 9), st.sampled_from(_SPAN_LABELS)), max_size=70))
def test_candidate_pairs_are_every_typed_pair_within_reach(raw):
    """The vectorised pair finder against its definition, a double loop over heads and tails."""
    from baozhi.nn.features import MAX_PAIRS, RELATION_INDEX, WINDOW, candidate_pairs

    spans = [(start, start + length, label) for start, length, label in raw]
    expected = [(i, j, RELATION_INDEX[(h[2], t[2])]) for i, h in enumerate(spans) for j, t in enumerate(spans)
                if i != j and (h[2], t[2]) in RELATION_INDEX and abs(t[0] - h[0]) <= WINDOW][:MAX_PAIRS]
    assert candidate_pairs(spans) == expected


@given(st.lists(st.integers(0, 3), min_size=1, max_size=40), st.lists(st.tuples(st.integers(0, 39), st.integers(1, 8)),
                                                                       max_size=12))
def test_token_bounds_run_from_the_first_to_the_last_tokenised_character(tokens_per_char, raw_spans):
    """Characters with 0 tokens (spaces), 1 (the char tokenizer) or several (a hub tokenizer's pieces)."""
    import numpy as np

    from baozhi.nn.features import token_bounds

    positions = np.array([c for c, n in enumerate(tokens_per_char) for _ in range(n)], dtype=np.int64)
    tokens = np.arange(1, len(positions) + 1)  # token 0 is [CLS]
    spans = [(s, min(s + n, len(tokens_per_char))) for s, n in raw_spans]
    starts, ends, has = token_bounds(tokens, positions, spans)
    for (s, e), a, b, h in zip(spans, starts, ends, has, strict=True):
        inside = [t for t, c in zip(tokens, positions, strict=True) if s <= c < e]
        assert h == bool(inside) and (not inside or (a, b) == (inside[0], inside[-1] + 1))


def test_news_loader_skips_reserved_files_and_excluded_items(tmp_path):
    import json

    from baozhi.learn.texts import news_items

    for rel, records in (("finna/eval_list.json", [["摘要", "保留的评测新闻一条。"]]),
                         ("finna/problem_list.json", [{"id": 0, "input": "可用新闻甲。"},
                                                      {"id": 1, "input": "测试新闻乙。"}]),
                         ("finnl/eval_list.json", [["保留的分类新闻。", "公司"]]),
                         ("finnl/train_list.json", [["可用新闻丙。", "公司"]])):
        path = tmp_path / "fincuge" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    texts = [t for _, t in news_items(tmp_path, exclude={("finna/problem_list.json", 1)})]
    assert sorted(texts) == sorted(["可用新闻甲。", "可用新闻丙。"])
