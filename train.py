"""Train baozhi's models: `pretrain` a character BERT, `finetune` the extractor, inspect `data`.

    python train.py pretrain --out models/base-zh-char
    python train.py finetune --base-model models/base-zh-char --data annotations/ --out models/default
    python train.py data --data annotations/            # counts per label and split
    python train.py evaluate-ner --model models/default --corpus people_daily --split test
    python train.py export-onnx --model models/default   # the ONNX files inference runs (finetune writes them)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from baozhi.learn.finetune import FinetuneConfig, finetune
from baozhi.learn.pretrain import PretrainConfig, pretrain


def _dataclass_options(parser: argparse.ArgumentParser, cls) -> None:
    for name, spec in cls.__dataclass_fields__.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(spec.default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=spec.default)
            continue
        kind = type(spec.default) if spec.default is not None else int
        parser.add_argument(flag, type=kind, default=spec.default)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="train.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pretrain", help="masked-language pretraining of a small char BERT on the news text")
    p.add_argument("--out", required=True)
    p.add_argument("--external", help="folder of the public corpora (default ../shared/corpora/external)")
    _dataclass_options(p, PretrainConfig)
    f = sub.add_parser("finetune", help="fine-tune the extractor (tags + relations) on gold, silver and NER data")
    f.add_argument("--base-model", required=True, help="encoder: a local directory or a Hugging Face hub id")
    f.add_argument("--data", nargs="+", default=["annotations/gold"], help="stand-off gold files or folders")
    f.add_argument("--silver", nargs="*", default=[], help="silver JSONL made by `train.py silver`")
    f.add_argument("--out", required=True)
    f.add_argument("--external")
    f.add_argument("--resume", action="store_true", help="continue from the last checkpoint in OUT/checkpoints")
    f.add_argument("--no-card", action="store_true", help="skip the page-level evaluation in the model card")
    _dataclass_options(f, FinetuneConfig)
    s = sub.add_parser("silver", help="run the rule extractor over the public news text → silver JSONL")
    s.add_argument("--out", required=True)
    s.add_argument("--external")
    s.add_argument("--news-limit", type=int)
    s.add_argument("--labeller", metavar="MODEL_DIR",
                   help="label with this model instead of the rules (distillation); the rules still give the hints")
    d = sub.add_parser("data", help="windows and spans per label for each part (gold by split, silver, NER)")
    d.add_argument("--data", nargs="+", default=["annotations/gold"])
    d.add_argument("--silver", nargs="*", default=[])
    d.add_argument("--external")
    _dataclass_options(d, FinetuneConfig)
    c = sub.add_parser("card", help="(re)write a model's card: page scores of the model and the rules per split")
    c.add_argument("--model", default="models/default")
    c.add_argument("--data", nargs="+", default=["annotations/gold"])
    n = sub.add_parser("evaluate-ner", help="PER/LOC/ORG seqeval F1 on a public NER test split")
    n.add_argument("--model", default="models/default", help="a model directory, or `rules` for the baseline")
    n.add_argument("--corpus", choices=["people_daily", "msra"], default="people_daily")
    n.add_argument("--split", default="test")
    n.add_argument("--limit", type=int)
    n.add_argument("--external")
    x = sub.add_parser("export-onnx", help="write a model's encoder.onnx and relation.onnx (ONNX Runtime inference)")
    x.add_argument("--model", default="models/default")
    args = parser.parse_args(argv)
    if args.command == "pretrain":
        config = PretrainConfig(**{k: getattr(args, k) for k in PretrainConfig.__dataclass_fields__})
        print(json.dumps(pretrain(args.out, ".", config, args.external), indent=2))
    elif args.command == "finetune":
        config = FinetuneConfig(**{k: getattr(args, k) for k in FinetuneConfig.__dataclass_fields__})
        info = finetune(args.base_model, args.data, args.out, args.silver, config, ".", args.external, args.resume)
        if not args.no_card:
            from baozhi.learn.card import write_card

            write_card(args.out, info, args.data)
        print(json.dumps({k: info[k] for k in ("steps", "train_loss", "seconds", "tag_scores")}, indent=1))
    elif args.command == "data":
        from baozhi.learn.card import COUNT_COLUMNS as labels
        from baozhi.learn.data import label_counts
        from baozhi.learn.finetune import build_corpus

        config = FinetuneConfig(**{k: getattr(args, k) for k in FinetuneConfig.__dataclass_fields__})
        corpus = build_corpus(args.data, args.silver, config, ".", args.external)
        print("| part | " + " | ".join(labels) + " |")
        print("|---|" + "---|" * len(labels))
        for name, dataset in corpus.items():
            if dataset is not None:
                counts = label_counts(dataset)
                print(f"| {name} | " + " | ".join(str(counts.get(k, 0)) for k in labels) + " |")
    elif args.command == "card":
        from baozhi.learn.card import write_card

        info = json.loads((Path(args.model) / "training.json").read_text(encoding="utf-8"))
        card = write_card(args.model, info, args.data)
        print(card[card.index("## Pages"):])
    elif args.command == "evaluate-ner":
        from baozhi.learn.ner_eval import evaluate_ner, markdown

        print(markdown(evaluate_ner(args.model, args.corpus, args.split, args.limit, args.external)))
    elif args.command == "export-onnx":
        from baozhi.nn.network import ExtractorModel, export_onnx

        print(json.dumps([str(p) for p in export_onnx(ExtractorModel.load(args.model), args.model)]))
    elif args.command == "silver":
        print(json.dumps(write_silver(args.out, args.external, args.news_limit, args.labeller)))
    return 0


def write_silver(out: str, external: str | None, news_limit: int | None, labeller: str | None = None) -> dict:
    """Silver examples are slow to make (the rules, or a teacher model, run on every news item): make them once."""
    from baozhi.extractor import Extractor
    from baozhi.files import write_atomic
    from baozhi.learn.silver import silver_examples

    teacher = Extractor(extractor="model", model=labeller) if labeller else None
    rows = [json.dumps(ex, ensure_ascii=False) for ex in silver_examples(external, news_limit, labeller=teacher)]
    write_atomic(out, "\n".join(rows) + "\n")
    return {"examples": len(rows), "out": out, "labeller": teacher.name if teacher else "rules"}


if __name__ == "__main__":
    sys.exit(main())
