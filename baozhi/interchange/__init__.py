"""Annotation interchange: gold (format 1 and 2) ⇄ Label Studio and doccano; gold → spaCy DocBin and CoNLL/BIO.

People correct annotations in annotation tools, not in stand-off JSON. Every page is flattened into a
`Graph` (labelled regions, relations between them, and the non-span fields of each region), which each
tool format can carry, and rebuilt from it, so gold → tool → gold is lossless. Offsets are Python string
indices (Unicode code points) into the decoded page, as in gold; Label Studio and doccano count the same
way over the same `text`. Imports re-read the page, so sha256, encoding and every span's text come from
the page itself. One module per format (`labelstudio`, `doccano`, `docbin`, `conll`); `graph` is the
shared model and `io` sniffs, reads and writes files.
"""

from .conll import to_conll
from .docbin import to_docbin
from .doccano import doccano_graph, from_doccano, to_doccano
from .graph import (
    COLOURS,
    LABELS,
    ConvertError,
    Graph,
    PageDoc,
    PageFinder,
    Region,
    gold_to_graph,
    graph_to_gold,
    import_graph,
    prediction_to_gold,
)
from .io import gold_json, read_docs, sniff, write_docs
from .labelstudio import from_labelstudio, labelstudio_config, labelstudio_graph, to_labelstudio

__all__ = [
    "COLOURS", "LABELS", "ConvertError", "Graph", "PageDoc", "PageFinder", "Region",
    "doccano_graph", "from_doccano", "from_labelstudio", "gold_json", "gold_to_graph", "graph_to_gold",
    "import_graph", "labelstudio_config", "labelstudio_graph", "prediction_to_gold", "read_docs", "sniff",
    "to_conll", "to_docbin", "to_doccano", "to_labelstudio", "write_docs",
]
