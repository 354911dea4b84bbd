"""Readers for the news text the model learns from: the team's pages and the public corpora in
``../shared/corpora/external`` (each reader names the split it may be used for).

Every text goes through the pipeline's own normalisation (full-width folding, traditional →
simplified), so the model sees exactly what `Extractor` feeds it at run time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..gold import RESERVED_NAMES, discover, load_gold, read_gold_page
from ..ingest import looks_traditional, normalize_view

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "external"

# CLUENER's fine-grained types → People's Daily labels; the rest (book, game, movie, position,
# scene) are not PER/LOC/ORG under our guidelines.
CLUENER_MAP = {"name": "PER", "address": "LOC", "company": "ORG", "government": "ORG", "organization": "ORG"}


@dataclass
class NerSentence:
    """A sentence with character-level entity spans (view text, so offsets are unchanged)."""

    text: str
    entities: list[tuple[int, int, str]] = field(default_factory=list)
    doc_id: str = ""


def view_text(text: str) -> str:
    """The model's view of a text: the same folding and conversion the pipeline applies."""
    return normalize_view(text, simplify=looks_traditional(text)).text


def external_root(root: str | Path | None = None) -> Path:
    return Path(root) if root else EXTERNAL


def _bio_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    spans, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        if tag.startswith("B-") or tag == "O" or (tag.startswith("I-") and tag[2:] != label):
            if start is not None:
                spans.append((start, i, label))
                start, label = None, None
            if tag.startswith(("B-", "I-")):
                start, label = i, tag[2:]
    return spans


def read_char_bio(path: Path, doc_prefix: str) -> Iterator[NerSentence]:
    """People's Daily / MSRA: one `char tag` pair per line, blank line between sentences."""
    chars: list[str] = []
    tags: list[str] = []
    n = 0
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        parts = line.split()
        if len(parts) >= 2:
            chars.append(parts[0])
            tags.append(parts[-1])
            continue
        if chars:
            text = view_text("".join(chars))
            if len(text) == len(chars):
                yield NerSentence(text, _bio_spans(tags), f"{doc_prefix}{n}")
            n += 1
            chars, tags = [], []


def read_msra_val(folder: Path) -> Iterator[NerSentence]:
    """MSRA's train sample: space-separated characters and tags on parallel lines."""
    sentences = (folder / "sentences.txt").read_text(encoding="utf-8").splitlines()
    tag_lines = (folder / "tags.txt").read_text(encoding="utf-8").splitlines()
    for n, (s, t) in enumerate(zip(sentences, tag_lines, strict=False)):
        chars, tags = s.split(), t.split()
        if chars and len(chars) == len(tags):
            yield NerSentence(view_text("".join(chars)), _bio_spans(tags), f"msra-train-{n}")


def read_cluener(path: Path) -> Iterator[NerSentence]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        spans = []
        for kind, names in record.get("label", {}).items():
            if kind in CLUENER_MAP:
                for positions in names.values():
                    spans += [(s, e + 1, CLUENER_MAP[kind]) for s, e in positions]
        yield NerSentence(view_text(record["text"]), sorted(spans), f"cluener-{path.stem}-{n}")


def ner_corpus(name: str, split: str, root: str | Path | None = None) -> list[NerSentence]:
    """The public NER corpora by name and split. Test splits are for evaluation only."""
    base = external_root(root)
    if name == "people_daily":
        return list(read_char_bio(base / "people_daily_ner" / f"example.{split}", f"pd-{split}-"))
    if name == "msra":
        if split == "train":
            return list(read_msra_val(base / "msra_ner" / "val"))
        return list(read_char_bio(base / "msra_ner" / "msra_test_bio", "msra-test-"))
    if name == "cluener":
        return list(read_cluener(base / "cluener2020" / f"{split}.json"))
    raise ValueError(f"unknown NER corpus {name!r}")


def news_items(root: str | Path | None = None, exclude: set[tuple[str, int]] = frozenset()
               ) -> Iterator[tuple[str, str]]:
    """(doc id, text) of the FinCUGE financial news items that may be trained on: never the
    reserved `eval_list.json` files, never an `exclude`d (file, item) such as our test items.
    We use their text only, never their labels."""
    base = external_root(root) / "fincuge"
    for path in sorted(base.glob("*/*.json")):
        if path.name in RESERVED_NAMES:
            continue
        relative = f"{path.parent.name}/{path.name}"
        for n, record in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            if (relative, n) in exclude:
                continue
            if isinstance(record, dict):
                text = record.get("input", "")
            else:
                text = record[1] if path.parent.name == "finna" else record[0]
            if text and text.strip():
                yield f"{path.parent.name}-{path.stem}-{n}", view_text(text.strip())


def test_news_items(repo: str | Path) -> set[tuple[str, int]]:
    """(file, item) of every news item annotated in a test split: kept out of silver and pretraining."""
    items = set()
    for path in discover([Path(repo) / "annotations" / "news"], kind="news"):
        gold = load_gold(path)
        if gold.get("split") == "test":
            items |= {(gold["file"], item["item"]) for item in gold.get("items", [])}
    return items


def pretraining_texts(repo: str | Path, root: str | Path | None = None) -> Iterator[str]:
    """Unlabelled text for masked-language pretraining: financial news, the training splits of
    the NER corpora, and the team's pages (never a test split, never the seed page)."""
    for _, text in news_items(root, exclude=test_news_items(repo)):
        yield text
    for name, split in (("people_daily", "dev"), ("msra", "train"), ("cluener", "train"), ("cluener", "dev")):
        try:
            yield from (s.text for s in ner_corpus(name, split, root))
        except FileNotFoundError:
            continue
    for path in discover([Path(repo) / "annotations" / "gold"]):
        gold = load_gold(path)
        if gold.get("split") == "test":
            continue
        text, _ = read_gold_page(gold, repo)
        yield view_text(text)
