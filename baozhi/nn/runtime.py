"""Running a saved extractor network for inference, on numpy arrays, with one of two backends.

- `onnx` (the default when the model directory has `encoder.onnx` and `relation.onnx`): ONNX
  Runtime runs the encoder and the relation MLP; the tokenizer is the `tokenizers` library's, the
  small relation tables are read from the safetensors file. Neither torch nor transformers is
  imported, which is most of a one-page run's start (3–5 s) and of its memory.
- `torch`: the `ExtractorModel` itself (needed for `quantize`, and for a model without ONNX files).

Both take and return numpy arrays, so the extractor above them has one code path; both compute
the same function (they agree to float rounding, see tests/test_runtime.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..layers import ordered_layers

BACKENDS = ("auto", "onnx", "torch")
ENCODER_FILE, RELATION_FILE = "encoder.onnx", "relation.onnx"
# must match network.DISTANCE_BUCKETS (a test checks)
DISTANCE_BUCKETS = np.array([0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128])


@dataclass
class NetworkConfig:
    """What inference reads of a model's config.json."""

    layers: dict[str, list[str]]
    relations: list[list[str]]
    use_hints: bool
    relation_dim: int

    @classmethod
    def read(cls, path: str | Path) -> NetworkConfig:
        raw = json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
        return cls(layers=ordered_layers(raw.get("layers")), relations=[list(r) for r in raw["relations"]],
                   use_hints=raw.get("use_hints", True), relation_dim=raw.get("relation_dim", 32))

    @property
    def layer_tags(self) -> dict[str, list[str]]:
        from ..layers import bio_tags

        return {layer: bio_tags(labels) for layer, labels in self.layers.items()}


class CharTokenizer:
    """A saved fast tokenizer (`tokenizer.json`) called one character a word, as the extractor
    feeds it: ids and each id's character index."""

    def __init__(self, path: str | Path):
        from tokenizers import Tokenizer

        file = Path(path) / "tokenizer.json"
        if not file.exists():
            raise OSError(f"{path}: no tokenizer.json (save the tokenizer with a fast tokenizer's save_pretrained)")
        self.tokenizer = Tokenizer.from_file(str(file))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        settings = Path(path) / "tokenizer_config.json"
        pad = json.loads(settings.read_text(encoding="utf-8")).get("pad_token", "[PAD]") if settings.exists() else "[PAD]"
        self.pad_token_id = self.tokenizer.token_to_id(pad if isinstance(pad, str) else pad.get("content", "[PAD]")) or 0

    def __call__(self, chars: list[str], add_special_tokens: bool = True) -> tuple[list[int], list[int | None]]:
        enc = self.tokenizer.encode(chars, is_pretokenized=True, add_special_tokens=add_special_tokens)
        return enc.ids, enc.word_ids


class OnnxNetwork:
    """The encoder (with the tagging heads) and the relation MLP in ONNX Runtime; the relation
    scorer's first layer is applied by parts in numpy, as `ExtractorModel.score_flat` does."""

    def __init__(self, path: str | Path, threads: int = 1):
        import onnxruntime as ort
        from safetensors import safe_open

        self.config = NetworkConfig.read(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        # workers that spin while waiting for work steal the cores of a busy machine
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # its warnings about graph rewrites would land on the CLI's stderr
        self.encoder = ort.InferenceSession(str(Path(path) / ENCODER_FILE), options, providers=["CPUExecutionProvider"])
        self.relation_mlp = ort.InferenceSession(str(Path(path) / RELATION_FILE), options,
                                                 providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.encoder.get_inputs()}
        with safe_open(str(Path(path) / "model.safetensors"), framework="numpy") as weights:
            first_w, self.first_b = weights.get_tensor("relation.0.weight"), weights.get_tensor("relation.0.bias")
            distance, kind, hint = (weights.get_tensor(f"{k}.weight") for k in ("distance", "relation_type", "relation_hint"))
        dim = self.config.relation_dim
        size = (first_w.shape[1] - 3 * dim) // 3
        w_head, w_tail, w_both, w_distance, w_kind, w_hint = np.split(first_w, np.cumsum([size] * 3 + [dim] * 2), axis=1)
        self.w_head, self.w_tail, self.w_both = w_head.T.copy(), w_tail.T.copy(), w_both.T.copy()
        self.distance_table, self.kind_table, self.hint_table = distance @ w_distance.T, kind @ w_kind.T, hint @ w_hint.T

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray, hint_ids: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray]:
        """→ (joint tag logits of all layers (B, T, Σ tags), hidden states (B, T, H))."""
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "hint_ids" in self._inputs:
            feed["hint_ids"] = hint_ids if hint_ids is not None else np.zeros((*input_ids.shape, len(self.config.layers)),
                                                                               dtype=np.int64)
        logits, hidden = self.encoder.run(None, feed)
        return logits, hidden

    def score_flat(self, hidden: np.ndarray, rows: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        """(N,) rows of `hidden` and (N, 6) pairs (head [s, e), tail [s, e), type, hinted) → (N,)
        relation logits."""
        flat = np.maximum(pairs, 0)
        n, width = len(flat), hidden.shape[1] + 1
        keys = np.concatenate([(rows * width + flat[:, 0]) * width + flat[:, 1],
                               (rows * width + flat[:, 2]) * width + flat[:, 3]])
        unique, index = np.unique(keys, return_inverse=True)
        vectors = span_vectors(hidden, unique // width % width, unique % width, unique // (width * width))
        head, tail = index[:n], index[n:]
        hinted = flat[:, 5] if self.config.use_hints else np.zeros_like(flat[:, 5])
        pre = ((vectors @ self.w_head)[head] + (vectors @ self.w_tail)[tail] + (vectors[head] * vectors[tail]) @ self.w_both
               + self.distance_table[bucket(flat[:, 2] - flat[:, 0])] + self.kind_table[flat[:, 4]]
               + self.hint_table[hinted] + self.first_b)
        return self.relation_mlp.run(None, {"pre": pre.astype(np.float32)})[0].reshape(-1)


class TorchNetwork:
    """`ExtractorModel` behind the same numpy interface."""

    def __init__(self, path: str | Path, threads: int = 1, quantize: bool = False):
        import warnings

        import torch

        from .network import ExtractorModel

        torch.set_num_threads(max(1, threads))
        self.torch = torch
        self.model = ExtractorModel.load(str(path))
        if quantize:  # the encoder's linear layers (most of the arithmetic); the small heads stay float
            with warnings.catch_warnings():  # torch marks eager-mode quantisation deprecated; it is what runs here
                warnings.simplefilter("ignore")
                self.model.encoder = torch.ao.quantization.quantize_dynamic(self.model.encoder, {torch.nn.Linear},
                                                                            dtype=torch.qint8)
        self.config = NetworkConfig.read(path)

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray, hint_ids: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray]:
        torch = self.torch
        with torch.inference_mode():
            out = self.model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(attention_mask),
                             hint_ids=torch.from_numpy(hint_ids) if hint_ids is not None else None, return_hidden=True)
            return torch.cat(out.logits, dim=-1).numpy(), out.hidden_states.numpy()

    def score_flat(self, hidden: np.ndarray, rows: np.ndarray, pairs: np.ndarray) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            return self.model.score_flat(torch.from_numpy(hidden), torch.from_numpy(rows), torch.from_numpy(pairs)).numpy()


def has_onnx(path: str | Path) -> bool:
    return (Path(path) / ENCODER_FILE).exists() and (Path(path) / RELATION_FILE).exists()


def load_network(path: str | Path, backend: str = "auto", threads: int = 1, quantize: bool = False):
    """`auto`: ONNX Runtime when the model has its ONNX files and `quantize` is off, else torch."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} ({', '.join(BACKENDS)})")
    if backend == "auto":
        backend = "onnx" if has_onnx(path) and not quantize else "torch"
    if backend == "onnx":
        if quantize:
            raise ValueError("--quantize runs the torch backend (dynamic int8); the onnx backend runs float32")
        if not has_onnx(path):
            raise OSError(f"{path}: no {ENCODER_FILE}/{RELATION_FILE}; write them with `python train.py export-onnx`")
        return OnnxNetwork(path, threads)
    return TorchNetwork(path, threads, quantize)


def span_vectors(hidden: np.ndarray, starts: np.ndarray, ends: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean of token vectors over [start, end) for each (row, start, end), via prefix sums."""
    prefix = hidden.cumsum(axis=1)
    upto_end = prefix[rows, np.maximum(ends - 1, 0)]
    before_start = prefix[rows, np.maximum(starts - 1, 0)] * (starts > 0)[:, None]
    total = (upto_end - before_start) * (ends > starts)[:, None]
    return total / np.maximum(ends - starts, 1)[:, None].astype(hidden.dtype)


def bucket(distance: np.ndarray) -> np.ndarray:
    """Signed distance → bucket id (`torch.bucketize` with right=False, and the sign)."""
    return np.searchsorted(DISTANCE_BUCKETS, np.abs(distance), side="left") * 2 + (distance < 0)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
