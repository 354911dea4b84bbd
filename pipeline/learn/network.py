"""The extractor network: any Hugging Face encoder, one tagging head per layer, and a relation
scorer over pairs of spans, trained jointly (one loss) and saved as one model directory.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from .schema import LAYERS, RELATIONS, bio_tags

DISTANCE_BUCKETS = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128]


class ExtractorConfig(PretrainedConfig):
    model_type = "baozhi-extractor"

    def __init__(self, encoder: dict | None = None, layers: dict | None = None, relations: list | None = None,
                 relation_dim: int = 32, dropout: float = 0.1, o_bias: float = 4.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder or {}
        self.layers = layers or LAYERS
        self.relations = [list(r) for r in (relations or RELATIONS)]
        self.relation_dim = relation_dim
        self.dropout = dropout
        self.o_bias = o_bias

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
        self.relation = nn.Sequential(nn.Linear(3 * hidden + 2 * config.relation_dim, hidden), nn.GELU(),
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
        prefix = torch.nn.functional.pad(hidden.cumsum(dim=1), (0, 0, 1, 0))
        total = prefix[rows, ends] - prefix[rows, starts]
        return total / (ends - starts).clamp(min=1).unsqueeze(-1).to(hidden.dtype)

    def score_pairs(self, hidden: torch.Tensor, pairs: torch.Tensor) -> torch.Tensor:
        """pairs: (B, P, 5) token spans head [s, e), tail [s, e) and the relation type; → (B, P)."""
        b, p, _ = pairs.shape
        if p == 0:
            return hidden.new_zeros((b, 0))
        rows = torch.arange(b, device=hidden.device).unsqueeze(1).expand(b, p).reshape(-1)
        flat = pairs.reshape(-1, 5).clamp(min=0)
        head = self.span_vectors(hidden, flat[:, 0], flat[:, 1], rows)
        tail = self.span_vectors(hidden, flat[:, 2], flat[:, 3], rows)
        distance = self.distance(bucket(flat[:, 2] - flat[:, 0]))
        kind = self.relation_type(flat[:, 4])
        return self.relation(torch.cat([head, tail, head * tail, distance, kind], dim=-1)).view(b, p)

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, relation_pairs=None,
                relation_labels=None, return_hidden: bool = False, **labels):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        hidden = self.dropout(hidden)
        logits = tuple(self.heads[layer](hidden) for layer in self.config.layers)
        relation_logits = self.score_pairs(hidden, relation_pairs) if relation_pairs is not None else None
        loss = None
        if labels:
            ce = nn.CrossEntropyLoss(ignore_index=-100)
            loss = hidden.new_zeros(())
            for layer, layer_logits in zip(self.config.layers, logits, strict=True):
                target = labels.get(f"labels_{layer}")
                if target is not None and (target != -100).any():
                    loss = loss + ce(layer_logits.view(-1, layer_logits.size(-1)), target.view(-1))
            if relation_logits is not None and relation_labels is not None:
                mask = relation_labels != -100
                if mask.any():
                    loss = loss + nn.functional.binary_cross_entropy_with_logits(
                        relation_logits[mask], relation_labels[mask].float())
        return ExtractorOutput(loss=loss, logits=logits, relation_logits=relation_logits,
                               hidden_states=hidden if return_hidden else None)

    @classmethod
    def from_encoder(cls, base: str, **config_kwargs) -> ExtractorModel:
        """A fresh extractor on a pretrained encoder (a local directory or a hub id); a baozhi
        model directory is continued as it is (retraining a model on new annotations)."""
        if AutoConfig.from_pretrained(base).model_type == ExtractorConfig.model_type:
            return cls.from_pretrained(base)
        encoder = AutoModel.from_pretrained(base)
        config = ExtractorConfig(encoder=encoder.config.to_dict(), **config_kwargs)
        model = cls(config)
        model.encoder.load_state_dict(encoder.state_dict(), strict=False)
        return model


AutoConfig.register("baozhi-extractor", ExtractorConfig)
