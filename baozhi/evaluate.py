"""Scores predicted page JSON against stand-off gold.

- entities: seqeval (IOB2, strict) over character tags, per label;
- facts: strict (every slot and number) and lenient (value/change spans overlap, numbers right,
  metric overlaps), matched one-to-one;
- directives: span overlap ≥ 50% of the longer span; actions: verb exact, object overlapping;
- articles: boundary (headline start) P/R/F1 and Pk over lines, with the no-boundary and
  all-boundary baselines.
Each score comes with correct / partial / missed / spurious counts.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from decimal import Decimal

from .extractor import Extractor
from .files import load_predictions
from .gold import GoldError, discover, load_gold, read_gold_page, read_news_item
from .model import page_to_json
from .perturb import perturb


@dataclass
class Counts:
    correct: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0
    gold: int = 0
    pred: int = 0

    def add(self, other: Counts) -> None:
        for k in ("correct", "partial", "missed", "spurious", "gold", "pred"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def prf(self, matched: int) -> tuple[float, float, float]:
        p = matched / self.pred if self.pred else (1.0 if not self.gold else 0.0)
        r = matched / self.gold if self.gold else (1.0 if not self.pred else 0.0)
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


@dataclass
class PageScores:
    name: str
    facts: Counts = field(default_factory=Counts)
    directives: Counts = field(default_factory=Counts)
    actions: Counts = field(default_factory=Counts)
    articles: Counts = field(default_factory=Counts)
    entities: Counts = field(default_factory=Counts)
    pk: float = 0.0
    pk_none: float = 0.0
    pk_all: float = 0.0
    lines: int = 0
    gold_tags: list[list[str]] = field(default_factory=list)
    pred_tags: list[list[str]] = field(default_factory=list)
    titles_exact: int = 0


def _num(x) -> Decimal | None:
    return None if x is None else Decimal(str(x))


def _overlap(a: dict | None, b: dict | None) -> int:
    if not a or not b:
        return 0
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def _same_span(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a["start"] == b["start"] and a["end"] == b["end"]


def _numbers_right(g: dict | None, p: dict | None, keys: tuple[str, ...]) -> bool:
    if g is None or p is None:
        return g is None and p is None
    return all((_num(g.get(k)) == _num(p.get(k))) if k == "number" else g.get(k) == p.get(k) for k in keys)


def fact_strict(g: dict, p: dict) -> bool:
    return (
        _same_span(g["metric"], p["metric"]) and g["metric_name"] == p["metric_name"]
        and _same_span(g.get("value"), p.get("value")) and _numbers_right(g.get("value"), p.get("value"), ("number", "unit"))
        and _same_span(g.get("change"), p.get("change"))
        and _numbers_right(g.get("change"), p.get("change"), ("number", "unit", "of"))
        and all(_same_span(g.get(k), p.get(k)) for k in ("basis", "period", "scope"))
    )


def fact_lenient(g: dict, p: dict) -> bool:
    for key, keys in (("value", ("number", "unit")), ("change", ("number", "unit"))):
        gv, pv = g.get(key), p.get(key)
        if (gv is None) != (pv is None):
            return False
        if gv is not None and (not _overlap(gv, pv) or not _numbers_right(gv, pv, keys)):
            return False
    return _overlap(g["metric"], p["metric"]) > 0 or g["metric_name"] == p["metric_name"]


def _match(gold: list, pred: list, ok) -> list[tuple[int, int]]:
    used, pairs = set(), []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if j not in used and ok(g, p):
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def score_facts(gold: list[dict], pred: list[dict]) -> tuple[Counts, int, int]:
    strict = _match(gold, pred, fact_strict)
    lenient = _match(gold, pred, fact_lenient)
    c = Counts(gold=len(gold), pred=len(pred))
    c.correct = len(strict)
    c.partial = len(lenient) - len(strict) if len(lenient) > len(strict) else 0
    c.missed = len(gold) - len(lenient)
    c.spurious = len(pred) - len(lenient)
    return c, len(strict), len(lenient)


def _ratio(g: dict, p: dict) -> float:
    longest = max(g["end"] - g["start"], p["end"] - p["start"], 1)
    return _overlap(g, p) / longest


def directive_match(g: dict, p: dict) -> bool:
    """The directive criterion, shared with the report's per-article counts."""
    return _ratio(g, p) >= 0.5


def action_match(g: dict, p: dict) -> bool:
    return _same_span(g["verb"], p["verb"]) and _overlap(g["object"], p["object"]) > 0


def score_directives(gold: list[dict], pred: list[dict]) -> tuple[Counts, Counts]:
    pairs = _match(gold, pred, directive_match)
    c = Counts(gold=len(gold), pred=len(pred), correct=len(pairs))
    touched_g = {i for i, g in enumerate(gold) if any(_overlap(g, p) for p in pred)}
    touched_p = {j for j, p in enumerate(pred) if any(_overlap(g, p) for g in gold)}
    matched_g = {i for i, _ in pairs}
    matched_p = {j for _, j in pairs}
    c.partial = len(touched_g - matched_g)
    c.missed = len(gold) - len(touched_g)
    c.spurious = len(pred) - len(touched_p | matched_p)
    actions = Counts()
    for i, j in pairs:
        ga, pa = gold[i].get("actions", []), pred[j].get("actions", [])
        ap = _match(ga, pa, action_match)
        actions.add(Counts(correct=len(ap), gold=len(ga), pred=len(pa), missed=len(ga) - len(ap),
                           spurious=len(pa) - len(ap)))
    for i in set(range(len(gold))) - matched_g:
        n = len(gold[i].get("actions", []))
        actions.add(Counts(gold=n, missed=n))
    for j in set(range(len(pred))) - matched_p:
        n = len(pred[j].get("actions", []))
        actions.add(Counts(pred=n, spurious=n))
    return c, actions


def _line_units(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _segment_labels(units, articles: list[dict]) -> list[int]:
    labels = []
    for s, e in units:
        mid = (s + e) // 2
        owner = next((i for i, a in enumerate(articles) if a["start"] <= mid < max(a["end"], a["start"] + 1)), -1)
        labels.append(owner)
    return labels


def pk(ref: list[int], hyp: list[int], k: int) -> float:
    n = len(ref)
    if n <= k:
        return 0.0
    errors = sum((ref[i] == ref[i + k]) != (hyp[i] == hyp[i + k]) for i in range(n - k))
    return errors / (n - k)


def score_articles(text: str, gold: list[dict], pred: list[dict]) -> tuple[Counts, float, float, float, int, int]:
    def start_of(a):
        title = a.get("title_span") if isinstance(a.get("title"), str | type(None)) else a.get("title")
        return (title or {}).get("start", a["start"])

    gs = {a["start"] for a in gold}  # a boundary is where the headline group (kicker or title) starts
    ps = {a["start"] for a in pred}
    c = Counts(gold=len(gs), pred=len(ps), correct=len(gs & ps))
    c.missed, c.spurious = len(gs - ps), len(ps - gs)
    units = _line_units(text)
    ref = _segment_labels(units, gold)
    hyp = _segment_labels(units, pred)
    sizes = [ref.count(i) for i in set(ref)] or [1]
    k = max(1, round(sum(sizes) / len(sizes) / 2))
    none = [0] * len(ref)
    every = list(range(len(ref)))
    gold_titles = {start_of(a): (a.get("title") or {}).get("text") if isinstance(a.get("title"), dict)
                   else a.get("title") for a in gold}
    exact = sum(1 for a in pred if gold_titles.get(start_of(a)) == (a["title"] if isinstance(a.get("title"), str)
                                                                     else (a.get("title") or {}).get("text")))
    return c, pk(ref, hyp, k), pk(ref, none, k), pk(ref, every, k), len(units), exact


def _char_tags(text: str, entities: list[dict]) -> list[list[str]]:
    tags = ["O"] * len(text)
    for e in sorted(entities, key=lambda x: (x["start"], -x["end"])):
        if any(t != "O" for t in tags[e["start"]:e["end"]]):
            continue
        tags[e["start"]] = "B-" + e["label"]
        for i in range(e["start"] + 1, e["end"]):
            tags[i] = "I-" + e["label"]
    return [tags[s:e] for s, e in _line_units(text)]


def score_entities(gold: list[dict], pred: list[dict]) -> Counts:
    exact = _match(gold, pred, lambda g, p: _same_span(g, p) and g["label"] == p["label"])
    overlapping = _match(gold, pred, lambda g, p: _overlap(g, p) > 0 and g["label"] == p["label"])
    c = Counts(gold=len(gold), pred=len(pred), correct=len(exact))
    c.partial = max(0, len(overlapping) - len(exact))
    c.missed = len(gold) - len(overlapping)
    c.spurious = len(pred) - len(overlapping)
    return c


def score_page(name: str, text: str, gold: dict, pred: dict) -> tuple[PageScores, dict]:
    arts = pred["articles"]
    p_facts = [f for a in arts for f in a["facts"]]
    p_dirs = [d for a in arts for d in a["directives"]]
    p_ents = [e for a in arts for e in a["entities"]]
    s = PageScores(name)
    s.facts, strict, lenient = score_facts(gold["facts"], p_facts)
    s.directives, s.actions = score_directives(gold["directives"], p_dirs)
    if gold["articles"] is not None:  # news items have no page layout to score
        s.articles, s.pk, s.pk_none, s.pk_all, s.lines, s.titles_exact = score_articles(text, gold["articles"], arts)
    s.entities = score_entities(gold["entities"], p_ents)
    s.gold_tags = _char_tags(text, gold["entities"])
    s.pred_tags = _char_tags(text, p_ents)
    return s, {"strict": strict, "lenient": lenient}


@dataclass
class Report:
    pages: list[PageScores]
    fact_strict: int
    fact_lenient: int

    def totals(self) -> dict:
        t = {k: Counts() for k in ("facts", "directives", "actions", "articles", "entities")}
        for p in self.pages:
            for k in t:
                t[k].add(getattr(p, k))
        return t

    def as_dict(self) -> dict:
        t = self.totals()
        out = {}
        fp, fr, ff = t["facts"].prf(self.fact_strict)
        lp, lr, lf = t["facts"].prf(self.fact_lenient)
        out["facts_strict"] = {"p": fp, "r": fr, "f1": ff}
        out["facts_lenient"] = {"p": lp, "r": lr, "f1": lf}
        for k in ("directives", "actions", "articles"):
            p, r, f = t[k].prf(t[k].correct)
            out[k] = {"p": p, "r": r, "f1": f}
        weights = [p.lines for p in self.pages] or [1]
        total = sum(weights) or 1
        out["pk"] = sum(p.pk * p.lines for p in self.pages) / total
        out["pk_no_boundary"] = sum(p.pk_none * p.lines for p in self.pages) / total
        out["pk_all_boundary"] = sum(p.pk_all * p.lines for p in self.pages) / total
        out["entities"] = self.entity_report()
        out["counts"] = {k: vars(v) for k, v in t.items()}
        return out

    def entity_report(self) -> dict:
        gold = [seq for p in self.pages for seq in p.gold_tags]
        pred = [seq for p in self.pages for seq in p.pred_tags]
        if not any(t != "O" for seq in gold + pred for t in seq):
            return {}
        from seqeval.metrics import classification_report  # imports scikit-learn (1.5 s)
        from seqeval.scheme import IOB2

        raw = classification_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0)
        # seqeval returns numpy scalars, which json cannot write (`baozhi evaluate --json`)
        return {label: {k: int(v) if k == "support" else float(v) for k, v in row.items()}
                for label, row in raw.items()}

    def markdown(self) -> str:
        d = self.as_dict()
        t = self.totals()
        rows = ["| task | P | R | F1 | correct | partial | missed | spurious |", "|---|---|---|---|---|---|---|---|"]

        def row(name, scores, c: Counts, correct=None):
            rows.append(f"| {name} | {scores['p']:.3f} | {scores['r']:.3f} | {scores['f1']:.3f} | "
                        f"{c.correct if correct is None else correct} | {c.partial} | {c.missed} | {c.spurious} |")

        row("facts (strict)", d["facts_strict"], t["facts"], self.fact_strict)
        row("facts (lenient)", d["facts_lenient"], t["facts"], self.fact_lenient)
        row("directives (overlap ≥ 50%)", d["directives"], t["directives"])
        row("directive actions", d["actions"], t["actions"])
        row("article boundaries", d["articles"], t["articles"])
        ents = d["entities"]
        for label in sorted(k for k in ents if k not in ("micro avg", "macro avg", "weighted avg")):
            e = ents[label]
            rows.append(f"| entity {label} (seqeval strict) | {e['precision']:.3f} | {e['recall']:.3f} | "
                        f"{e['f1-score']:.3f} | support {int(e['support'])} | | | |")
        if "micro avg" in ents:
            e = ents["micro avg"]
            c = t["entities"]
            rows.append(f"| entities micro (seqeval strict) | {e['precision']:.3f} | {e['recall']:.3f} | "
                        f"{e['f1-score']:.3f} | {c.correct} | {c.partial} | {c.missed} | {c.spurious} |")
        rows.append("")
        rows.append(f"Pk (lines): {d['pk']:.3f} — baselines: no boundary {d['pk_no_boundary']:.3f}, "
                    f"every line a boundary {d['pk_all_boundary']:.3f} (lower is better)")
        rows.append("")
        rows.append("| page | facts gold | facts pred | strict | lenient | directives gold/pred/correct | articles gold/pred/correct |")
        rows.append("|---|---|---|---|---|---|---|")
        for p in self.pages:
            rows.append(f"| {p.name} | {p.facts.gold} | {p.facts.pred} | {p.facts.correct} | "
                        f"{p.facts.correct + p.facts.partial} | {p.directives.gold}/{p.directives.pred}/"
                        f"{p.directives.correct} | {p.articles.gold}/{p.articles.pred}/{p.articles.correct} |")
        return "\n".join(rows) + "\n"


def evaluate(items: list[tuple[str, str, dict, dict]]) -> Report:
    """items: (name, original text, gold, prediction page JSON)."""
    pages, strict, lenient = [], 0, 0
    for name, text, gold, pred in items:
        scores, matched = score_page(name, text, gold, pred)
        pages.append(scores)
        strict += matched["strict"]
        lenient += matched["lenient"]
    return Report(pages, strict, lenient)


def _fact_line(f: dict) -> str:
    v, c = f.get("value"), f.get("change")
    parts = [f"metric={(f['metric'] or {}).get('text')!r}", f"name={f['metric_name']}"]
    if v:
        parts.append(f"value={v['text']!r}→{v['number']} {v['unit']}")
    if c:
        parts.append(f"change={c['text']!r}→{c['number']} {c['unit']} of {c['of']}")
    for key in ("basis", "period", "scope"):
        if f.get(key):
            parts.append(f"{key}={f[key]['text']!r}@{f[key]['start']}")
    return "; ".join(parts)


def fact_errors(items: list[tuple[str, str, dict, dict]]) -> str:
    """Missed, partial (lenient but not strict) and spurious facts, page by page, as Markdown."""
    out = []
    for name, _text, gold, pred in items:
        p_facts = [f for a in pred["articles"] for f in a["facts"]]
        strict = dict(_match(gold["facts"], p_facts, fact_strict))
        lenient = dict(_match(gold["facts"], p_facts, fact_lenient))
        lines = []
        for i, g in enumerate(gold["facts"]):
            if i in strict:
                continue
            if i in lenient:
                lines += [f"- partial  gold: {_fact_line(g)}", f"           pred: {_fact_line(p_facts[lenient[i]])}"]
            else:
                lines.append(f"- missed   gold: {_fact_line(g)}")
        used = set(lenient.values())
        lines += [f"- spurious pred: {_fact_line(p)}" for j, p in enumerate(p_facts) if j not in used]
        if lines:
            out += [f"### {name}", *lines, ""]
    return "\n".join(out) + ("\n" if out else "")


def gold_items(gold_paths: list[str], pred_paths: list[str] | None, args=None, root=None, extractor=None):
    """(name, text, gold, prediction) for every gold file; predictions are run when not given
    (with `extractor`, else one built from args)."""
    golds = [load_gold(p) for p in discover(gold_paths)]
    if args is not None and getattr(args, "split", None):
        golds = [g for g in golds if g.get("split") in args.split]
    preds = load_predictions(pred_paths) if pred_paths else None
    if preds is None and extractor is None:
        extractor = Extractor.from_options(args)
    items = []
    progress = preds is None and len(golds) > 1 and sys.stderr.isatty()  # long runs show where they are
    for n, gold in enumerate(golds, 1):
        if progress:
            print(f"\rbaozhi evaluate: page {n}/{len(golds)} {gold['file'][:40]:<40}", end="", file=sys.stderr,
                  flush=True)
        text, data = read_gold_page(gold, root)
        pred = _prediction(preds, gold["sha256"], f"{gold['_gold_path']}: page",
                           lambda data=data, name=gold["file"]: extractor.extract_bytes(data, name))
        items.append((gold["file"], text, gold, pred))
    if progress:
        print(file=sys.stderr)
    return items + news_items(gold_paths, preds, args, root, extractor)


def _prediction(preds: dict | None, sha256: str, what: str, run) -> dict:
    """The given prediction for a page or item (by sha256 of its text), else `run()`'s output."""
    if preds is None:
        return page_to_json(run())
    if sha256 not in preds:
        raise GoldError(f"{what}: no prediction for sha256 {sha256[:12]}…")
    return preds[sha256]


def news_items(gold_paths: list[str], preds: dict | None, args=None, root=None, extractor=None) -> list:
    """(name, text, gold, prediction) for every annotated news item: each item is scored as a page
    of its own, with no article layout to score (its gold has `articles` None)."""
    items, paths = [], discover(gold_paths, kind="news")
    if paths and preds is None and extractor is None:
        extractor = Extractor.from_options(args)
    for path in paths:
        gold = load_gold(path)
        if args is not None and getattr(args, "split", None) and gold.get("split") not in args.split:
            continue
        for item in gold["items"]:
            text = read_news_item(gold, item, root)
            name = f"{gold['file']}#{item['item']}"
            pred = _prediction(preds, item["sha256"], f"{gold['_gold_path']}: item {item['item']}",
                               lambda text=text, name=name, run=extractor: run(text, name=name))
            items.append((name, text, {**item, "articles": None}, pred))
    return items


def robustness(items: list[tuple[str, str, dict, dict]], extractor, names: list[str], seed: int = 0) -> list[dict]:
    """Scores on the clean pages and under each perturbation (the page and its gold perturbed
    together), with the drop in fact F1 from clean. News items have no layout to perturb: pages only."""
    pages = [item for item in items if item[2].get("articles") is not None]
    clean = evaluate(pages).as_dict()
    rows = [{"perturbation": "clean", **_row(clean, clean)}]
    for pname in names:
        perturbed = []
        for name, text, gold, _ in pages:
            moved = perturb(text, gold, pname, seed)
            pred = page_to_json(extractor(moved.text, name=f"{name}~{pname}"))
            perturbed.append((name, moved.text, moved.gold, pred))
        rows.append({"perturbation": pname, **_row(evaluate(perturbed).as_dict(), clean)})
    return rows


def _row(scores: dict, clean: dict) -> dict:
    out = {k: scores[k]["f1"] for k in ("facts_strict", "facts_lenient", "directives", "articles")}
    out["d_facts_strict"] = scores["facts_strict"]["f1"] - clean["facts_strict"]["f1"]
    return out


def robustness_markdown(rows: list[dict]) -> str:
    head = "| perturbation | facts strict F1 | Δ strict | facts lenient F1 | directives F1 | articles F1 |\n"
    head += "|---|---|---|---|---|---|\n"
    return head + "".join(f"| {r['perturbation']} | {r['facts_strict']:.3f} | {r['d_facts_strict']:+.3f} | "
                          f"{r['facts_lenient']:.3f} | {r['directives']:.3f} | {r['articles']:.3f} |\n" for r in rows)


AGREEMENT_FIELDS = ("period_norm", "basis_class", "scope_kind", "modality")


def agreement(first: dict, second: dict) -> dict:
    """Inter-annotator agreement of two independent gold files of one page: the second scored as
    predictions against the first (F1 is symmetric), plus how often the analyst fields agree on
    the facts both annotators marked (lenient pairs)."""
    facts, strict, lenient = score_facts(first["facts"], second["facts"])
    directives, _ = score_directives(first["directives"], second["directives"])
    entities = score_entities(first["entities"], second["entities"])
    titles = [{a["title"]["start"] for a in g["articles"] if a.get("title")} for g in (first, second)]
    row = {"facts": len(first["facts"]), "facts_second": len(second["facts"]),
           "facts_strict": facts.prf(strict)[2], "facts_lenient": facts.prf(lenient)[2],
           "directives": directives.prf(directives.correct)[2], "entities": entities.prf(entities.correct)[2],
           "articles": Counts(gold=len(titles[0]), pred=len(titles[1])).prf(len(titles[0] & titles[1]))[2]}
    unnamed = _match(first["facts"], second["facts"],
                     lambda g, p: fact_strict(g, {**p, "metric_name": g["metric_name"]}))
    row["facts_strict_unnamed"] = facts.prf(len(unnamed))[2]  # every span and number, names aside
    pairs = _match(first["facts"], second["facts"], fact_lenient)
    for key in AGREEMENT_FIELDS:
        same = sum(first["facts"][i].get(key) == second["facts"][j].get(key) for i, j in pairs)
        row[key] = same / len(pairs) if pairs else None
    return row


def agreement_markdown(rows: dict[str, dict]) -> str:
    keys = ("facts_strict", "facts_strict_unnamed", "facts_lenient", "directives", "articles", "entities") + AGREEMENT_FIELDS
    out = "| page | facts A/B | " + " | ".join(keys) + " |\n|---|---|" + "---|" * len(keys) + "\n"
    for name, r in rows.items():
        cells = " | ".join("–" if r[k] is None else f"{r[k]:.3f}" for k in keys)
        out += f"| {name} | {r['facts']}/{r['facts_second']} | {cells} |\n"
    return out
