"""The model's two inference backends: ONNX Runtime (default, no torch) and torch compute the same."""

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import PAGES, ROOT

from baozhi.model import page_to_json
from baozhi.nn.runtime import CharTokenizer, OnnxNetwork, TorchNetwork, has_onnx, load_network

DEFAULT = ROOT / "models" / "default"


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A random small extractor saved and exported as training leaves one."""
    import torch
    from transformers import BertConfig

    from baozhi.nn.network import ExtractorConfig, ExtractorModel, export_onnx

    torch.manual_seed(0)
    encoder = BertConfig(vocab_size=60, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=32).to_dict()
    model = ExtractorModel(ExtractorConfig(encoder=encoder)).eval()
    folder = tmp_path_factory.mktemp("small")
    model.save_pretrained(folder)
    written = export_onnx(model, folder)
    assert sorted(p.name for p in written) == ["encoder.onnx", "relation.onnx"]
    return folder


def _batch(rng, batch, length, layers):
    input_ids = rng.integers(5, 60, (batch, length)).astype(np.int64)
    mask = np.ones((batch, length), dtype=np.int64)
    mask[0, length // 3:] = 0  # a padded row
    hints = rng.integers(0, 3, (batch, length, layers)).astype(np.int64)
    return input_ids, mask, hints


def test_onnx_and_torch_compute_the_same_tags_and_relations(small_model):
    onnx, torch_net = OnnxNetwork(small_model), TorchNetwork(small_model)
    rng = np.random.default_rng(1)
    for batch, length in [(1, 3), (4, 40), (2, 130)]:  # shapes other than the export's
        input_ids, mask, hints = _batch(rng, batch, length, len(onnx.config.layers))
        logits, hidden = onnx.forward(input_ids, mask, hints)
        ref_logits, ref_hidden = torch_net.forward(input_ids, mask, hints)
        assert logits.shape == ref_logits.shape and np.abs(logits - ref_logits).max() < 1e-4
        assert np.abs(hidden - ref_hidden).max() < 1e-4
        starts = rng.integers(0, length - 1, (50, 2))
        pairs = np.column_stack([starts[:, 0], starts[:, 0] + 1 + rng.integers(0, 3, 50), starts[:, 1],
                                 starts[:, 1] + 1, rng.integers(0, len(onnx.config.relations), 50),
                                 rng.integers(0, 2, 50)]).clip(max=length)
        rows = rng.integers(0, batch, 50)
        scores = onnx.score_flat(hidden, rows, pairs)
        assert scores.shape == (50,) and np.abs(scores - torch_net.score_flat(ref_hidden, rows, pairs)).max() < 1e-4


def test_char_tokenizer_gives_the_transformers_ids():
    from baozhi.nn.tokenizer import load_tokenizer

    ours, theirs = CharTokenizer(DEFAULT), load_tokenizer(DEFAULT)
    text = list("2856亿元增长6.7%，5G基站 ABCxyz 龘𠀋é\t　上接第1版")
    for special in (True, False):
        enc = theirs(text, is_split_into_words=True, add_special_tokens=special)
        assert ours(text, add_special_tokens=special) == (enc["input_ids"], enc.word_ids())
    assert ours.pad_token_id == theirs.pad_token_id


def test_backend_choice_and_its_errors(small_model, tmp_path):
    assert has_onnx(small_model) and isinstance(load_network(small_model), OnnxNetwork)
    assert isinstance(load_network(small_model, quantize=True), TorchNetwork)  # int8 is torch's
    with pytest.raises(ValueError, match="quantize"):
        load_network(small_model, backend="onnx", quantize=True)
    with pytest.raises(ValueError, match="unknown backend"):
        load_network(small_model, backend="tf")
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("config.json", "model.safetensors"):
        (bare / name).write_bytes((small_model / name).read_bytes())
    assert isinstance(load_network(bare), TorchNetwork)  # a model without ONNX files still runs
    with pytest.raises(OSError, match="export-onnx"):
        load_network(bare, backend="onnx")


@pytest.mark.skipif(not has_onnx(DEFAULT), reason="the shipped model has no ONNX files")
def test_shipped_model_gives_the_same_page_on_both_backends():
    from baozhi.extractor import Extractor

    page = PAGES / "software_2023q3.txt"
    outputs = [json.dumps(page_to_json(Extractor(backend=b).extract_file(page)), ensure_ascii=False)
               for b in ("onnx", "torch")]
    assert outputs[0] == outputs[1]


@pytest.mark.skipif(not has_onnx(DEFAULT), reason="the shipped model has no ONNX files")
def test_the_default_model_runs_without_torch_or_transformers():
    code = ("import sys, baozhi; page = baozhi.load()('上半年，全国软件业务收入35609亿元，同比增长13.4%。'); "
            "assert page.facts, 'no fact'; "
            "print(json.dumps(sorted(m for m in ('torch', 'transformers', 'datasets') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_threads_must_be_positive():
    from baozhi.extractor import Extractor

    with pytest.raises(ValueError, match="threads"):
        Extractor(threads=0)
