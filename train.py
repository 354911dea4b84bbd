"""Train baozhi's models: `pretrain` a character BERT, `finetune` the extractor, inspect `data`.

    python train.py pretrain --out models/base-zh-char
    python train.py finetune --base-model models/base-zh-char --data annotations/ --out models/default
    python train.py data --data annotations/            # counts per label and split
    python train.py evaluate-ner --model models/default --corpus people_daily --split test
"""

from __future__ import annotations

import argparse
import json
import sys

from pipeline.learn.finetune import FinetuneConfig, finetune
from pipeline.learn.pretrain import PretrainConfig, pretrain


def _dataclass_options(parser: argparse.ArgumentParser, cls) -> None:
    for name, spec in cls.__dataclass_fields__.items():
        kind = type(spec.default) if spec.default is not None else int
        parser.add_argument("--" + name.replace("_", "-"), type=kind, default=spec.default)


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
    args = parser.parse_args(argv)
    if args.command == "pretrain":
        config = PretrainConfig(**{k: getattr(args, k) for k in PretrainConfig.__dataclass_fields__})
        print(json.dumps(pretrain(args.out, ".", config, args.external), indent=2))
    elif args.command == "finetune":
        config = FinetuneConfig(**{k: getattr(args, k) for k in FinetuneConfig.__dataclass_fields__})
        info = finetune(args.base_model, args.data, args.out, args.silver, config, ".", args.external, args.resume)
        if not args.no_card:
            from pipeline.learn.card import write_card

            write_card(args.out, info, args.data)
        print(json.dumps({k: info[k] for k in ("steps", "train_loss", "seconds", "tag_scores")}, indent=1))
    elif args.command == "silver":
        print(json.dumps(write_silver(args.out, args.external, args.news_limit)))
    return 0


def write_silver(out: str, external: str | None, news_limit: int | None) -> dict:
    """Silver examples are slow to make (the rules run on every news item): make them once."""
    from pipeline.export import write_atomic
    from pipeline.learn.silver import silver_examples

    rows = [json.dumps(ex, ensure_ascii=False) for ex in silver_examples(external, news_limit)]
    write_atomic(out, "\n".join(rows) + "\n")
    return {"examples": len(rows), "out": out}


if __name__ == "__main__":
    sys.exit(main())
