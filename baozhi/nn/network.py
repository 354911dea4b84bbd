"""The extractor network: any Hugging Face encoder, one tagging head per layer, and a relation
scorer over pairs of spans, trained jointly (one loss) and saved as one model directory.

With `use_hints` the encoder also reads the rule extractor's output: each layer's rule tag is
embedded and added to the character embedding, and each candidate pair carries whether the rules
related it (stacking, as feature-rich taggers use gazetteers). The network learns from gold when
to keep, drop, extend or add to what the rules found; `hint_dropout` hides the hints from a share
of training windows so the characters alone must carry the tags too, and `correction_weight`
weighs the tokens and pairs where gold and rules disagree (what the model is there to learn).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from ..layers import RELATIONS, bio_tags, ordered_layers

DISTANCE_BUCKETS = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]


class ExtractorConfig(PretrainedConfig):
    model_type = "baozhi-extractor"

    def __init__(self, encoder: dict | None = None, layers: dict | None = None, relations: list | None = None,
                 relation_dim: int = 32, dropout: float = 0.1, o_bias: float = 4.0, use_hints: bool = True,
                 hint_dropout: float = 0.2, correction_weight: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder or {}
        self.layers = ordered_layers(layers)
        self.relations = [list(r) for r in (relations or RELATIONS)]
        self.relation_dim = relation_dim
        self.dropout = dropout
        self.o_bias = o_bias
        self.use_hints = use_hints
        self.hint_dropout = hint_dropout
        self.correction_weight = correction_weight

    @property
    def layer_tags(self) -> dict[str, list[str]]:
        return {layer: bio_tags(labels) for layer, labels in self.layers.items()}


@dataclass
class ExtractorOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: tuple[torch.Tensor, ...] | None = None
    relation_logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None


def bucket(distance: torch.Tensor) -> torch.Tensor:
    edges = torch.tensor(DISTANCE_BUCKETS, device=distance.device)
    return torch.bucketize(distance.abs(), edges) * 2 + (distance < 0).long()


class ExtractorModel(PreTrainedModel):
    config_class = ExtractorConfig
    base_model_prefix = "encoder"
    main_input_name = "input_ids"

    def __init__(self, config: ExtractorConfig):
        super().__init__(config)
        encoder_kwargs = dict(config.encoder)
        encoder_config = AutoConfig.for_model(encoder_kwargs.pop("model_type", "bert"), **encoder_kwargs)
        self.encoder = AutoModel.from_config(encoder_config)
        hidden = encoder_config.hidden_size
        self.dropout = nn.Dropout(config.dropout)
        self.heads = nn.ModuleDict({layer: nn.Linear(hidden, len(t)) for layer, t in config.layer_tags.items()})
        self.relation_type = nn.Embedding(len(config.relations), config.relation_dim)
        self.distance = nn.Embedding(2 * (len(DISTANCE_BUCKETS) + 1), config.relation_dim)
        self.hints = nn.ModuleList([nn.Embedding(len(t), hidden) for t in config.layer_tags.values()]) \
            if config.use_hints else None
        self.relation_hint = nn.Embedding(2, config.relation_dim)
        self.relation = nn.Sequential(nn.Linear(3 * hidden + 3 * config.relation_dim, hidden), nn.GELU(),
                                      nn.Dropout(config.dropout), nn.Linear(hidden, 1))
        self.post_init()
        for head in self.heads.values():
            # Start every head predicting "O": most layers are O almost everywhere, and their early
            # gradients otherwise pull all token vectors together and the fact tags never start.
            head.bias.data[0] = config.o_bias

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)) and not any(module is m for m in self.encoder.modules()):
            module.weight.data.normal_(0.0, 0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()

    def span_vectors(self, hidden: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor,
                     rows: torch.Tensor) -> torch.Tensor:
        """Mean of token vectors over [start, end) for each (row, start, end), via prefix sums."""
        prefix = hidden.cumsum(dim=1)
        upto_end = prefix[rows, (ends - 1).clamp(min=0)]
        before_start = prefix[rows, (starts - 1).clamp(min=0)] * (starts > 0).unsqueeze(-1)
        total = (upto_end - before_start) * (ends > starts).unsqueeze(-1)
        return total / (ends - starts).clamp(min=1).unsqueeze(-1).to(hidden.dtype)

    def score_pairs(self, hidden: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """pairs: (B, P, 6) token spans head [s, e), tail [s, e), the relation type and whether the
        rules related the pair; → (B, P)."""
        b, p, _ = pairs.shape
        if p == 0:
            return hidden.new_zeros((b, 0))
        rows = torch.arange(b, device=hidden.device).repeat_interleave(p)
        return self.score_flat(hidden, rows, pairs.reshape(-1, 6)).view(b, p)

    def score_flat(self, hidden: torch.Tensor, rows: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """(N,) rows of `hidden` and (N, 6) pairs → (N,) logits of the relation MLP on [head, tail,
        head * tail, distance, type, hinted]. Its first layer is applied by parts, the same function
        as on the concatenation, so that each distinct span (a span is in many pairs) is averaged and
        projected once and the embeddings are projected as tables."""
        flat = pairs.clamp(min=0)
        n, width = len(flat), hidden.size(1) + 1
        keys = torch.cat([(rows * width + flat[:, 0]) * width + flat[:, 1], (rows * width + flat[:, 2]) * width + flat[:, 3]])
        unique, index = torch.unique(keys, return_inverse=True)
        vectors = self.span_vectors(hidden, unique // width % width, unique % width, unique // (width * width))
        first = self.relation[0]
        size, dim = hidden.size(-1), self.config.relation_dim
        w_head, w_tail, w_both, w_distance, w_kind, w_hint = first.weight.split([size] * 3 + [dim] * 3, dim=1)
        head, tail = index[:n], index[n:]
        hinted = flat[:, 5] if self.config.use_hints else torch.zeros_like(flat[:, 5])
        pre = ((vectors @ w_head.T)[head] + (vectors @ w_tail.T)[tail] + (vectors[head] * vectors[tail]) @ w_both.T
               + nn.functional.embedding(bucket(flat[:, 2] - flat[:, 0]), self.distance.weight @ w_distance.T)
               + nn.functional.embedding(flat[:, 4], self.relation_type.weight @ w_kind.T)
               + nn.functional.embedding(hinted, self.relation_hint.weight @ w_hint.T) + first.bias)
        return self.relation[1:](pre).squeeze(-1)

    def embed(self, input_ids: torch.Tensor, hint_ids: torch.Tensor | None) -> torch.Tensor:
        """Character embeddings plus one embedding of the rules' tag per layer."""
        embeds = self.encoder.get_input_embeddings()(input_ids)
        if self.hints is None or hint_ids is None:
            return embeds
        # one lookup in the tables stacked: each layer's ids shifted past the tables before it
        tables = torch.cat([table.weight for table in self.hints])
        starts = torch.tensor([0] + [table.num_embeddings for table in self.hints][:-1], device=hint_ids.device).cumsum(0)
        ids = (hint_ids + starts).reshape(-1, len(self.hints))
        return embeds + nn.functional.embedding_bag(ids, tables, mode="sum").view(embeds.shape)

    def _weights(self, target: torch.Tensor, hinted: torch.Tensor | None) -> torch.Tensor:
        """1 per labelled item, `correction_weight` where the rules' hint disagrees with the label."""
        weights = (target != -100).float()
        if hinted is not None and self.config.correction_weight != 1.0:
            weights = weights * (1 + (self.config.correction_weight - 1) * (hinted != target).float())
        return weights

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, hint_ids=None, relation_pairs=None,
                relation_labels=None, return_hidden: bool = False, **labels):
        rule_ids = hint_ids if self.config.use_hints else None
        rule_pairs = relation_pairs[..., 5] if relation_pairs is not None and self.config.use_hints else None
        if self.training and hint_ids is not None and self.config.hint_dropout > 0:
            keep = (torch.rand(input_ids.size(0), device=input_ids.device) >= self.config.hint_dropout).long()
            hint_ids = hint_ids * keep.view(-1, 1, 1)
            if relation_pairs is not None:
                relation_pairs = relation_pairs.clone()
                relation_pairs[..., 5] *= keep.view(-1, 1)
        embeds = self.embed(input_ids, hint_ids)
        hidden = self.encoder(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        hidden = self.dropout(hidden)
        heads = [self.heads[layer] for layer in self.config.layers]  # one matrix product for all layers' tags
        joint = nn.functional.linear(hidden, torch.cat([h.weight for h in heads]), torch.cat([h.bias for h in heads]))
        logits = joint.split([h.out_features for h in heads], dim=-1)
        relation_logits = self.score_pairs(hidden, relation_pairs) if relation_pairs is not None else None
        loss = None
        if labels:
            ce = nn.CrossEntropyLoss(ignore_index=-100, reduction="none")
            loss = hidden.new_zeros(())
            for k, (layer, layer_logits) in enumerate(zip(self.config.layers, logits, strict=True)):
                target = labels.get(f"labels_{layer}")
                if target is not None and (target != -100).any():
                    weights = self._weights(target, rule_ids[..., k] if rule_ids is not None else None)
                    per_token = ce(layer_logits.view(-1, layer_logits.size(-1)), target.view(-1))
                    loss = loss + (per_token * weights.view(-1)).sum() / weights.sum()
            if relation_logits is not None and relation_labels is not None:
                mask = relation_labels != -100
                if mask.any():
                    weights = self._weights(relation_labels, rule_pairs)[mask]
                    per_pair = nn.functional.binary_cross_entropy_with_logits(
                        relation_logits[mask], relation_labels[mask].float(), reduction="none")
                    loss = loss + (per_pair * weights).sum() / weights.sum()
        return ExtractorOutput(loss=loss, logits=logits, relation_logits=relation_logits,
                               hidden_states=hidden if return_hidden else None)

    @classmethod
    def load(cls, path: str) -> ExtractorModel:
        """A saved model for inference: config + safetensors, strictly, without `from_pretrained`'s
        progress bar on stderr (a CLI's stderr carries its one-line errors)."""
        from safetensors.torch import load_file

        model = cls(ExtractorConfig.from_pretrained(path))
        model.load_state_dict(load_file(str(Path(path) / "model.safetensors")), strict=True)
        return model.eval()

    @classmethod
    def from_encoder(cls, base: str, encoder_layers: int = 0, ffn_size: int = 0, **config_kwargs) -> ExtractorModel:
        """A fresh extractor on a pretrained encoder (a local directory or a hub id), optionally cut
        to its first `encoder_layers` layers (inference cost is linear in the depth). A baozhi
        model directory is continued (retraining a model on new annotations), cut the same way and
        its feed-forward layers pruned to their `ffn_size` most important units: the start of a
        smaller, faster student."""
        if AutoConfig.from_pretrained(base).model_type == ExtractorConfig.model_type:
            model = cls.from_pretrained(base)
            if 0 < encoder_layers < model.encoder.config.num_hidden_layers:
                model.encoder.encoder.layer = model.encoder.encoder.layer[:encoder_layers]
                model._set_encoder_config(num_hidden_layers=encoder_layers)
            if 0 < ffn_size < model.encoder.config.intermediate_size:
                for layer in model.encoder.encoder.layer:
                    layer.intermediate.dense, layer.output.dense = _prune_ffn(layer.intermediate.dense,
                                                                              layer.output.dense, ffn_size)
                model._set_encoder_config(intermediate_size=ffn_size)
            return model
        if ffn_size:
            raise ValueError("--ffn-size prunes a trained baozhi model; a base encoder is used as it is")
        depth = {"num_hidden_layers": encoder_layers} if encoder_layers else {}
        encoder = AutoModel.from_pretrained(base, **depth)
        config = ExtractorConfig(encoder=encoder.config.to_dict(), **config_kwargs)
        model = cls(config)
        model.encoder.load_state_dict(encoder.state_dict(), strict=False)
        return model

    def _set_encoder_config(self, **changes) -> None:
        for key, value in changes.items():
            setattr(self.encoder.config, key, value)
        self.config.encoder = {**self.config.encoder, **changes}


def _prune_ffn(inner: nn.Linear, outer: nn.Linear, size: int) -> tuple[nn.Linear, nn.Linear]:
    """Keep the `size` feed-forward units with the largest |in-weights| x |out-weights| (a unit's
    reach into the residual stream), in their original order."""
    importance = inner.weight.norm(dim=1) * outer.weight.norm(dim=0)
    keep = importance.topk(size).indices.sort().values
    pruned_in, pruned_out = nn.Linear(inner.in_features, size), nn.Linear(size, outer.out_features)
    with torch.no_grad():
        pruned_in.weight.copy_(inner.weight[keep])
        pruned_in.bias.copy_(inner.bias[keep])
        pruned_out.weight.copy_(outer.weight[:, keep])
        pruned_out.bias.copy_(outer.bias)
    return pruned_in, pruned_out


AutoConfig.register("baozhi-extractor", ExtractorConfig)


class _TaggingGraph(nn.Module):
    """What the ONNX encoder file computes: the joint tag logits of all heads and the hidden states."""

    def __init__(self, model: ExtractorModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, hint_ids=None):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, hint_ids=hint_ids, return_hidden=True)
        return torch.cat(out.logits, dim=-1), out.hidden_states


def export_onnx(model: ExtractorModel, folder: str | Path) -> list[Path]:
    """Write the ONNX files that `runtime.OnnxNetwork` runs (encoder with heads; the relation MLP
    after its first layer), each atomically, checked against the torch model on a random batch
    (computed before exporting: the tracer leaves the module unfit to run again)."""
    import os
    import warnings

    from .runtime import DISTANCE_BUCKETS as RUNTIME_BUCKETS
    from .runtime import ENCODER_FILE, RELATION_FILE, OnnxNetwork

    assert list(RUNTIME_BUCKETS) == DISTANCE_BUCKETS, "runtime.DISTANCE_BUCKETS must match the network's"
    folder = Path(folder)
    model = model.eval()
    generator = torch.Generator().manual_seed(0)
    batch, length, n_layers = 2, 24, len(model.config.layers)
    input_ids = torch.randint(5, model.encoder.config.vocab_size, (batch, length), generator=generator)
    attention_mask = torch.ones(batch, length, dtype=torch.long)
    attention_mask[1, length // 2:] = 0
    hint_ids = torch.zeros(batch, length, n_layers, dtype=torch.long)
    with torch.inference_mode():
        reference = _TaggingGraph(model)(input_ids, attention_mask, hint_ids if model.config.use_hints else None)
    graphs = [(ENCODER_FILE, _TaggingGraph(model), (input_ids, attention_mask, hint_ids) if model.config.use_hints
               else (input_ids, attention_mask), ["input_ids", "attention_mask", "hint_ids"][:3 if model.config.use_hints else 2],
               ["logits", "hidden"], {"b": 0, "t": 1}),
              (RELATION_FILE, model.relation[1:], (torch.zeros(3, model.encoder.config.hidden_size),), ["pre"],
               ["logits"], {"n": 0})]
    written = []
    for name, graph, args, inputs, outputs, axes in graphs:
        dynamic = {key: {dim: axis for axis, dim in axes.items()} for key in inputs + (outputs if name == ENCODER_FILE else [])}
        if name == RELATION_FILE:
            dynamic = {"pre": {0: "n"}, "logits": {0: "n"}}
        tmp = folder / f".{name}.tmp"
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the exporter's notes on traced Python branches
            torch.onnx.export(graph, args, str(tmp), dynamo=False, opset_version=17, input_names=inputs,
                              output_names=outputs, dynamic_axes=dynamic)
        os.replace(tmp, folder / name)
        written.append(folder / name)
    # the exported files compute what the model does
    runtime = OnnxNetwork(folder)
    logits, hidden = runtime.forward(input_ids.numpy(), attention_mask.numpy(), hint_ids.numpy())
    if not (abs(logits - reference[0].numpy()).max() < 1e-3 and abs(hidden - reference[1].numpy()).max() < 1e-3):
        raise RuntimeError(f"{folder}: the exported ONNX encoder does not reproduce the model")
    return written
