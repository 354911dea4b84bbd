"""Evaluation reports (`baozhi evaluate --report DIR`) and system comparisons (`--compare A B`).

Every score comes from `baozhi.evaluate`: headline numbers are `Report.as_dict()`, and the
per-article counts behind the bootstrap are built with evaluate's own matching functions and
entity tags, so a resample that draws every article once gives back exactly the evaluate figures.
Modules by concern: `bootstrap` (counts, intervals), `errors` (the fact error taxonomy),
`document` (Markdown/HTML renderers), `assessment` (one system), `compare` (two systems).
"""

from .assessment import Assessment, build_document, write_document, write_report
from .bootstrap import TASKS, Difference, Interval, ReportError, bootstrap, paired_bootstrap
from .compare import Comparison, _system, compare, compare_command, prediction_files
from .errors import CONTEXT, METRIC, SCALE, SIGN, UNIT, FactError, classify, fact_errors

__all__ = [
    "CONTEXT", "METRIC", "SCALE", "SIGN", "TASKS", "UNIT", "Assessment", "Comparison", "Difference", "FactError",
    "Interval", "ReportError", "_system", "bootstrap", "build_document", "classify", "compare", "compare_command",
    "fact_errors", "paired_bootstrap", "prediction_files", "write_document", "write_report",
]
