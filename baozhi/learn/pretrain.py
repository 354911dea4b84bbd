"""Masked-language pretraining of the small character BERT that `finetune` starts from.

No hub weights can be downloaded where baozhi is built, so the default encoder is pretrained
here on news text (`texts.pretraining_texts`) with the Hugging Face `Trainer`.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from datasets import Dataset
from transformers import (
    BertConfig,
    BertForMaskedLM,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
    set_seed,
)

from ..lexicon import SENTENCE_END
from ..nn.tokenizer import build_vocab, encode_chars, save_vocab, unk_rate
from .texts import pretraining_texts


@dataclass
class PretrainConfig:
    hidden_size: int = 192
    layers: int = 3
    heads: int = 3
    intermediate_size: int = 768
    max_chars: int = 126  # characters per training chunk ([CLS] + 126 + [SEP] = 128 tokens)
    max_steps: int = 2000
    batch_size: int = 32
    learning_rate: float = 5e-4
    seed: int = 13
    vocab_size: int = 6000
    limit_texts: int | None = None


def chunks(text: str, max_chars: int) -> list[str]:
    """Pack sentences into chunks of at most `max_chars` (long sentences are cut)."""
    out, current = [], ""
    for sentence in re.findall(f"[^{SENTENCE_END}\n]*[{SENTENCE_END}\n]?", text):
        sentence = sentence.strip()
        if not sentence:
            continue
        while len(sentence) > max_chars:
            out.append(sentence[:max_chars])
            sentence = sentence[max_chars:]
        if len(current) + len(sentence) > max_chars:
            out.append(current)
            current = ""
        current += sentence
    if current:
        out.append(current)
    return out


def pretrain(out: str | Path, repo: str | Path = ".", config: PretrainConfig | None = None,
             external: str | Path | None = None) -> dict:
    config = config or PretrainConfig()
    set_seed(config.seed)
    out = Path(out)
    texts = list(pretraining_texts(repo, external))[: config.limit_texts]
    tokenizer = save_vocab(build_vocab(texts, max_size=config.vocab_size), out)
    rate, _ = unk_rate(tokenizer, texts)
    pieces = [c for t in texts for c in chunks(t, config.max_chars)]
    encoded = [encode_chars(tokenizer, p, max_length=config.max_chars + 2)["input_ids"] for p in pieces]
    dataset = Dataset.from_dict({"input_ids": encoded}).shuffle(seed=config.seed)
    model_config = BertConfig(vocab_size=len(tokenizer), hidden_size=config.hidden_size,
                              num_hidden_layers=config.layers, num_attention_heads=config.heads,
                              intermediate_size=config.intermediate_size, max_position_embeddings=512,
                              pad_token_id=tokenizer.pad_token_id)
    model = BertForMaskedLM(model_config)
    args = TrainingArguments(
        output_dir=str(out / "checkpoints"), max_steps=config.max_steps, per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate, warmup_steps=min(200, config.max_steps // 10), weight_decay=0.01,
        logging_steps=max(1, config.max_steps // 40), save_steps=max(50, config.max_steps // 5), save_total_limit=1,
        seed=config.seed, use_cpu=True, report_to=[], dataloader_num_workers=0, disable_tqdm=True,
    )
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15, seed=config.seed)
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=collator)
    started = time.time()
    resume = any((out / "checkpoints").glob("checkpoint-*"))
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    trainer.save_model(str(out))
    tokenizer.save_pretrained(out)
    info = {"config": asdict(config), "texts": len(texts), "characters": sum(map(len, texts)), "chunks": len(pieces),
            "unk_rate": rate, "vocab": len(tokenizer), "train_loss": result.training_loss,
            "seconds": round(time.time() - started, 1), "parameters": model.num_parameters()}
    (out / "pretraining.json").write_text(json.dumps(info, indent=2, ensure_ascii=False), encoding="utf-8")
    return info
