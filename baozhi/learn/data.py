"""Training examples for the extractor, loaded through 🤗 `datasets`.

The same path serves the team's stand-off gold, a user's own gold (exported from Label Studio
or doccano), silver labels (the rule extractor run over public news text, kept apart and marked
`source="silver"`) and the public NER corpora (entities only). An example is one window of a
page's normalised, repaired text (what the pipeline feeds the model) with labelled spans and
the relations between them. Splits are by page/document, never by sentence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from datasets import Dataset, DatasetDict

from ..gold import discover, load_gold, read_gold_page
from ..ingest import looks_traditional, normalize_view
from ..layers import LABEL_LAYER, LAYERS, drop_overlaps, layer_spans, typed_spans, windows
from ..model import TextView
from ..repair import repair


def page_view(text: str) -> TextView:
    """Exactly the view `Extractor` builds: folded, simplified when traditional, repaired."""
    view, _ = repair(normalize_view(text, simplify=looks_traditional(text)))
    return view


def _clean(spans, relations) -> tuple[list, list]:
    spans = drop_overlaps(list(spans))
    kept = set(spans)
    return spans, [(h, t) for h, t in relations if h in kept and t in kept]


def _local(spans, relations, ws: int, we: int) -> tuple[list[dict], list[dict]]:
    inside = [s for s in spans if s[0] >= ws and s[1] <= we]
    index = {s: i for i, s in enumerate(inside)}
    return ([{"start": s[0] - ws, "end": s[1] - ws, "label": s[2]} for s in inside],
            [{"head": index[h], "tail": index[t]} for h, t in relations if h in index and t in index])


def document_examples(doc_id: str, view_text: str, spans, relations, layers: Iterable[str], source: str,
                      split: str, hints: tuple[list, list] | None = None) -> Iterator[dict]:
    """Cut one document into window examples; spans and relations are kept where they fit.
    `hints` are the rule extractor's spans and relations on the same text (model input features)."""
    spans, relations = _clean(spans, relations)
    hint_spans, hint_relations = _clean(*hints) if hints else ([], [])
    layers = sorted(layers)
    for n, (ws, we) in enumerate(windows(view_text)):
        local_spans, local_relations = _local(spans, relations, ws, we)
        local_hints, local_hint_relations = _local(hint_spans, hint_relations, ws, we)
        yield {
            "id": f"{doc_id}#{n}",
            "doc": doc_id,
            "source": source,
            "split": split,
            "text": view_text[ws:we],
            "offset": ws,
            "layers": layers,
            "spans": local_spans,
            "relations": local_relations,
            "hint_spans": local_hints,
            "hint_relations": local_hint_relations,
        }


def flatten_articles(page_json: dict) -> dict:
    """A page's facts, directives and entities over all its articles."""
    flat: dict = {"facts": [], "directives": [], "entities": []}
    for article in page_json["articles"]:
        for key in flat:
            flat[key] += article[key]
    return flat


def rule_hints(text: str, view: TextView, rules) -> tuple[list, list]:
    """The rule extractor's spans and relations on a page (view offsets): what the model sees as hints."""
    from ..model import Source

    page = rules.extract_text(text, Source("hints", "", "utf-8", "hints"))
    return typed_spans(page.facts, page.directives, page.entities, view)


def gold_examples(paths: Iterable[str | Path], repo: str | Path | None = None, source: str = "gold",
                  rules=None) -> Iterator[dict]:
    """Stand-off gold files → window examples (every layer annotated), with the hints of `rules`
    (a rules `Extractor`; made here when not given)."""
    if rules is None:
        from ..extractor import Extractor

        rules = Extractor(extractor="rules")
    for path in discover(list(paths)):
        gold = load_gold(path)
        text, _ = read_gold_page(gold, repo)
        view = page_view(text)
        spans, relations = layer_spans(gold, view)
        yield from document_examples(Path(path).stem, view.text, spans, relations, LAYERS, source,
                                     gold.get("split", "train"), rule_hints(text, view, rules))


def prediction_examples(doc_id: str, page_json: dict, original: str, layers: Iterable[str], split: str,
                        source: str = "silver", hints_json: dict | None = None) -> Iterator[dict]:
    """A page as a system predicted it → examples (silver labels for the given layers). The hints
    are the rules' output, `hints_json`, or the prediction itself when the rules made it."""
    view = page_view(original)
    spans, relations = layer_spans(flatten_articles(page_json), view)
    hints = layer_spans(flatten_articles(hints_json), view) if hints_json is not None else (spans, relations)
    spans = [s for s in spans if LABEL_LAYER[s[2]] in set(layers)]
    yield from document_examples(doc_id, view.text, spans, relations, layers, source, split, hints)


def to_dataset(examples: Iterable[dict]) -> DatasetDict:
    """Group examples by split into a `DatasetDict`."""
    by_split: dict[str, list[dict]] = {}
    for ex in examples:
        by_split.setdefault(ex["split"], []).append(ex)
    return DatasetDict({split: Dataset.from_list(rows) for split, rows in by_split.items()})


def load_standoff(paths: Iterable[str | Path], repo: str | Path | None = None) -> DatasetDict:
    """The loader users call for their own stand-off gold (a folder or files)."""
    return to_dataset(gold_examples(paths, repo))


def label_counts(dataset: Dataset) -> Counter:
    counts: Counter = Counter()
    for spans, rels in zip(dataset["spans"], dataset["relations"], strict=True):
        counts.update(s["label"] for s in spans)
        counts["relations"] += len(rels)
    counts["windows"] = len(dataset)
    return counts

