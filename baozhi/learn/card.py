"""The model card: what a model was trained on, how, and how well it does (tags and facts)."""

from __future__ import annotations

import json
from pathlib import Path

from ..evaluate import evaluate
from ..gold import GoldError, discover, load_gold, read_gold_page
from ..layers import LABEL_LAYER
from ..model import page_to_json


def _group(gold: dict) -> str:
    """Team pages by their split; pages that live outside the repo (the seed page in ../shared) apart."""
    return "outside (test)" if gold["path"].startswith("../") else gold.get("split", "train")


def page_scores(model_dir: str | Path, data: list[str], groups: tuple[str, ...] = ("dev", "test", "outside (test)"),
                root: str | Path | None = None, report_rounds: int = 200) -> dict:
    """Fact/directive/entity scores of the model and of the rules on the gold pages of each group;
    the model's test pages also get the full evaluation report in MODEL/report/."""
    from ..extractor import Extractor
    from ..report import write_report

    golds = []
    for path in discover(data):
        gold = load_gold(path)
        try:
            golds.append((gold, *read_gold_page(gold, root)))
        except GoldError:
            continue  # e.g. the seed page when ../shared is absent
    systems = {"model": Extractor(extractor="model", model=model_dir), "rules": Extractor(extractor="rules")}
    out: dict = {}
    for group in groups:
        chosen = [g for g in golds if _group(g[0]) == group]
        if not chosen:
            continue
        for name, extractor in systems.items():
            items = [(gold["file"], text, gold, page_to_json(extractor.extract_bytes(raw, gold["file"])))
                     for gold, text, raw in chosen]
            report = evaluate(items)
            scores = report.as_dict()
            out.setdefault(group, {})[name] = {
                "pages": [g[0]["file"] for g in chosen],
                "facts_strict_f1": scores["facts_strict"]["f1"], "facts_lenient_f1": scores["facts_lenient"]["f1"],
                "directives_f1": scores["directives"]["f1"], "actions_f1": scores["actions"]["f1"],
                "entities": {k: round(v["f1-score"], 3) for k, v in scores["entities"].items()},
            }
            if name == "model" and group == "test":
                write_report(Path(model_dir) / "report", items, report, rounds=report_rounds)
    return out


def _table(scores: dict) -> list[str]:
    rows = ["| pages | system | facts strict F1 | facts lenient F1 | directives F1 | actions F1 | entities micro F1 |",
            "|---|---|---|---|---|---|---|"]
    for split, systems in scores.items():
        for name, s in systems.items():
            rows.append(f"| {split} | {name} | {s['facts_strict_f1']:.3f} | {s['facts_lenient_f1']:.3f} | "
                        f"{s['directives_f1']:.3f} | {s['actions_f1']:.3f} | {s['entities'].get('micro avg', 0):.3f} |")
    return rows


def write_card(model_dir: str | Path, info: dict, data: list[str]) -> str:
    model_dir = Path(model_dir)
    scores = page_scores(model_dir, data)
    info = {**info, "page_scores": scores}
    (model_dir / "training.json").write_text(json.dumps(info, indent=1, ensure_ascii=False), encoding="utf-8")
    lines = [f"# baozhi extractor `{model_dir.name}`", "",
             "Token classification (facts, directives, entities) and span relations on one encoder, fine-tuned with",
             "`python train.py finetune` (see `training.json` for every number below).", "",
             f"- base model: `{info['base_model']}`; parameters: {info['parameters']:,}",
             f"- trained: {info['date']}, {info['steps']} steps, {info['seconds'] / 60:.1f} min on CPU; train loss {info['train_loss']:.4f}",
             f"- data: gold {', '.join(info['data'])}; silver {', '.join(info['silver']) or 'none'}",
             f"- hyper-parameters: `{json.dumps(info['config'])}`", "", "## Data (windows and spans per label)", "",
             "| part | " + " | ".join(COUNT_COLUMNS) + " |", "|---|" + "---|" * len(COUNT_COLUMNS)]
    for part, counts in info["counts"].items():
        lines.append(f"| {part} | " + " | ".join(str(counts.get(k, 0)) for k in COUNT_COLUMNS) + " |")
    lines += ["", "## Tags (seqeval, strict IOB2) on the gold dev and test windows", "",
              "| label | " + " | ".join(info["tag_scores"]) + " |", "|---|" + "---|" * len(info["tag_scores"])]
    labels = sorted({k.removeprefix(f"{name}_").removesuffix("_f1") for name, s in info["tag_scores"].items()
                     for k in s if k.endswith("_f1") and k != f"{name}_f1"})  # {name}_f1 repeats micro
    for label in labels:
        lines.append(f"| {label} | " + " | ".join(
            f"{s.get(f'{name}_{label}_f1', float('nan')):.3f}" for name, s in info["tag_scores"].items()) + " |")
    lines += ["", "## Pages (`baozhi evaluate`), model vs rule baseline", "",
              "Team pages by split (the test pages were never trained or tuned on) and pages outside the repo",
              "(the seed page in ../shared, test only). `report/` holds the full evaluation report of the test pages.",
              "", *_table(scores), ""]
    text = "\n".join(lines)
    (model_dir / "README.md").write_text(text, encoding="utf-8")
    return text


COUNT_COLUMNS = ["windows", *LABEL_LAYER, "relations"]
