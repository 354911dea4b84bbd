"""Fine-tuning the extractor with the Hugging Face `Trainer` (seqeval at every evaluation,
early stopping, fixed seeds, resumable checkpoints) and writing a complete model directory.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
from datasets import Dataset, concatenate_datasets
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2
from transformers import EarlyStoppingCallback, Trainer, TrainingArguments, set_seed

from ..layers import LAYERS, tags
from ..nn.features import Collator, featurize
from ..nn.network import ExtractorModel, export_onnx
from ..nn.tokenizer import load_tokenizer
from .data import gold_examples, label_counts
from .silver import ner_examples


@dataclass
class FinetuneConfig:
    epochs: float = 3.0
    max_steps: int = -1
    batch_size: int = 32
    learning_rate: float = 3e-4
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    gold_repeat: int = 20  # the team's pages are few: each gold window is seen this many times per epoch
    silver_limit: int | None = 12000  # silver windows used (None: all)
    ner_limit: int | None = 4000  # sentences per NER corpus split
    eval_steps: int = 200
    patience: int = 4
    seed: int = 13
    hints: bool = True  # the encoder reads the rule extractor's tags (False: characters only, an ablation)
    hint_dropout: float = 0.2  # share of training windows whose hints are hidden
    correction_weight: float = 1.0  # loss weight of tokens/pairs where gold and the rules disagree
    encoder_layers: int = 0  # keep only the base encoder's first N layers (0: all): a faster model
    ffn_size: int = 0  # prune a baozhi base model's feed-forward layers to N units (0: keep them)


LABEL_NAMES = [f"labels_{layer}" for layer in LAYERS] + ["relation_labels"]


def _read_jsonl(paths: list[str]) -> list[dict]:
    rows = []
    for path in paths:
        rows += [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def build_corpus(data: list[str], silver: list[str], config: FinetuneConfig, repo: str | Path,
                 external: str | Path | None = None) -> dict[str, Dataset]:
    """train/dev/test datasets: gold by its page split; silver and NER by document."""
    gold = list(gold_examples(data, repo))
    rng = random.Random(config.seed)
    silver_rows = _read_jsonl(silver)
    rng.shuffle(silver_rows)
    silver_train = [r for r in silver_rows if r["split"] == "train"][: config.silver_limit]
    silver_dev = [r for r in silver_rows if r["split"] == "dev"][:300]
    ner = list(ner_examples(external, config.ner_limit)) if config.ner_limit != 0 else []
    ner_train = [r for r in ner if r["split"] == "train"]
    ner_dev = [r for r in ner if r["split"] == "dev"][:300]
    parts = {
        "gold_train": [r for r in gold if r["split"] == "train"],
        "gold_dev": [r for r in gold if r["split"] == "dev"],
        "gold_test": [r for r in gold if r["split"] == "test"],
        "silver_train": silver_train, "silver_dev": silver_dev, "ner_train": ner_train, "ner_dev": ner_dev,
    }
    return {name: Dataset.from_list(rows) if rows else None for name, rows in parts.items()}


def _features(dataset: Dataset, tokenizer) -> Dataset:
    return dataset.map(lambda ex: featurize(ex, tokenizer), remove_columns=dataset.column_names)


def _sequences(pred: np.ndarray, gold: np.ndarray, layer: str) -> tuple[list, list]:
    names = tags(layer)
    y_true, y_pred = [], []
    for p_row, g_row in zip(pred, gold, strict=True):
        keep = g_row != -100
        if not keep.any():
            continue
        y_true.append([names[i] for i in g_row[keep]])
        y_pred.append([names[i] if 0 <= i < len(names) else "O" for i in p_row[keep]])
    return y_true, y_pred


def seqeval_scores(predictions, label_ids) -> dict:
    """Per-label and micro P/R/F1 over all tag layers, plus relation P/R/F1."""
    layer_preds, relation_logits = predictions
    metrics: dict[str, float] = {}
    all_true, all_pred = [], []
    for layer, pred, gold in zip(LAYERS, layer_preds, label_ids[:-1], strict=True):
        y_true, y_pred = _sequences(pred, gold, layer)
        all_true += y_true
        all_pred += y_pred
    if all_true:
        report = classification_report(all_true, all_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
        for label, row in report.items():
            key = label.replace(" avg", "").replace(" ", "_")
            metrics[f"{key}_f1"] = row["f1-score"]
            if label not in ("micro avg", "macro avg", "weighted avg"):
                metrics[f"{key}_support"] = row["support"]
        metrics["f1"] = report["micro avg"]["f1-score"]
    gold_rel = label_ids[-1]
    mask = gold_rel != -100
    if mask.any():
        pred_rel = relation_logits[mask] > 0
        truth = gold_rel[mask] == 1
        tp = int((pred_rel & truth).sum())
        p = tp / max(1, int(pred_rel.sum()))
        r = tp / max(1, int(truth.sum()))
        metrics["relation_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    return metrics


def _argmax_logits(logits, labels):
    layer_logits, relation_logits = logits
    return tuple(x.argmax(-1) for x in layer_logits), relation_logits


def finetune(base_model: str, data: list[str], out: str | Path, silver: list[str] | None = None,
             config: FinetuneConfig | None = None, repo: str | Path = ".", external: str | Path | None = None,
             resume: bool = False, progress: bool = True) -> dict:
    config = config or FinetuneConfig()
    set_seed(config.seed)
    out = Path(out)
    started = time.time()
    tokenizer = load_tokenizer(base_model)
    corpus = build_corpus(data, silver or [], config, repo, external)
    train_parts = [corpus["gold_train"]] * config.gold_repeat + [corpus["silver_train"], corpus["ner_train"]]
    train = concatenate_datasets([p for p in train_parts if p is not None]).shuffle(seed=config.seed)
    dev_parts = [corpus[k] for k in ("gold_dev", "silver_dev", "ner_dev") if corpus[k] is not None]
    dev = concatenate_datasets(dev_parts) if dev_parts else None
    model = ExtractorModel.from_encoder(base_model, encoder_layers=config.encoder_layers, ffn_size=config.ffn_size,
                                        use_hints=config.hints,
                                        hint_dropout=config.hint_dropout, correction_weight=config.correction_weight)
    args = TrainingArguments(
        output_dir=str(out / "checkpoints"), num_train_epochs=config.epochs, max_steps=config.max_steps,
        per_device_train_batch_size=config.batch_size, per_device_eval_batch_size=64,
        learning_rate=config.learning_rate, warmup_steps=config.warmup_ratio, weight_decay=config.weight_decay,
        eval_strategy="steps" if dev is not None else "no", eval_steps=config.eval_steps,
        save_strategy="steps", save_steps=config.eval_steps, save_total_limit=2,
        load_best_model_at_end=dev is not None, metric_for_best_model="f1", greater_is_better=True,
        logging_steps=max(1, config.eval_steps // 4), seed=config.seed, data_seed=config.seed, use_cpu=True,
        report_to=[], dataloader_num_workers=0, disable_tqdm=not progress, label_names=LABEL_NAMES,
    )
    trainer = Trainer(
        model=model, args=args, train_dataset=_features(train, tokenizer),
        eval_dataset=_features(dev, tokenizer) if dev is not None else None, data_collator=Collator(tokenizer),
        compute_metrics=lambda p: seqeval_scores(p.predictions, p.label_ids),
        preprocess_logits_for_metrics=_argmax_logits,
        callbacks=[EarlyStoppingCallback(early_stopping_patience=config.patience)] if dev is not None else [],
    )
    checkpoint = resume and any((out / "checkpoints").glob("checkpoint-*"))
    result = trainer.train(resume_from_checkpoint=True if checkpoint else None)
    trainer.save_model(str(out))
    tokenizer.save_pretrained(out)
    trainer.remove_callback(EarlyStoppingCallback)
    tag_scores = {}
    for name in ("gold_dev", "gold_test"):
        if corpus[name] is not None:
            tag_scores[name] = trainer.evaluate(_features(corpus[name], tokenizer), metric_key_prefix=name)
    counts = {name: dict(label_counts(ds)) for name, ds in corpus.items() if ds is not None}
    info = {
        "base_model": base_model, "data": data, "silver": silver or [], "config": asdict(config),
        "counts": counts, "train_windows": len(train), "steps": result.global_step, "train_loss": result.training_loss,
        "tag_scores": tag_scores, "seconds": round(time.time() - started, 1), "date": date.today().isoformat(),
        "parameters": model.num_parameters(),
    }
    (out / "training.json").write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    export_onnx(model, out)  # last: inference runs these files (ONNX Runtime, no torch)
    return info
