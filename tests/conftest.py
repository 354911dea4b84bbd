from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_f03d3bce41067f28.txt"
GOLD = ROOT / "annotations" / "gold"
PAGES = ROOT / "corpora" / "pages"


@pytest.fixture(scope="session")
def extractor():
    from baozhi.extractor import Extractor

    return Extractor(extractor="rules")


@pytest.fixture(scope="session")
def seed_path():
    if not SEED.exists():
        pytest.skip("../shared/seed is not present")
    return SEED


@pytest.fixture(scope="session")
def seed_result(extractor, seed_path):
    return extractor.extract_file(seed_path)


def facts_of(result):
    return [f for a in result.articles for f in a.facts]


def extract_text(extractor, text: str):
    from baozhi.model import Source

    return extractor.extract_text(text, Source("<test>", "0" * 64, "utf-8", "test"))
