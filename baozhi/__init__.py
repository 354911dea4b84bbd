"""baozhi: structured facts from Chinese newspaper pages.

    nlp = baozhi.load()          # the shipped model; load("rules") for the baseline, load(PATH) for a model dir
    page = nlp(text)             # a PageResult: articles → facts, directives, entities
    page.to_json(); page.to_pandas("facts"); page.to_spacy()

Heavy modules (spaCy, torch) load on the first `load()`, not on `import baozhi`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("baozhi")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__", "load"]


def load(name="default", **options):
    """The extractor: `"default"` (the shipped model), `"rules"`, or a model directory."""
    from .extractor import load as _load

    return _load(name, **options)
