"""The Python API: baozhi.load()(text), pipe, and the result's exports."""

import json
import re
import subprocess
import sys

import pytest
from conftest import PAGES, ROOT

import baozhi

FLASH = "前三季度，全国规模以上工业增加值同比增长4.0%。\n"


@pytest.fixture(scope="module")
def rules():
    return baozhi.load("rules")


def test_readme_python_block_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Python\n\n```python\n(.*?)```", readme, re.S).group(1)
    out = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "增加值" in out.stdout and "4" in out.stdout


def test_calling_the_extractor_equals_the_cli(rules, tmp_path):
    page = PAGES / "software_2023q3.txt"
    result = rules(page.read_bytes(), name=str(page))
    cli = subprocess.run([sys.executable, "-m", "baozhi.cli", "extract", str(page), "--extractor", "rules"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert json.loads(cli.stdout) == result.to_json()


def test_text_and_bytes_give_the_same_facts(rules):
    a, b = rules(FLASH), rules(FLASH.encode("gb18030"))
    assert [f.change.number for x in a.articles for f in x.facts] == \
        [f.change.number for x in b.articles for f in x.facts]
    assert b.source.encoding == "gb18030"


def test_pipe_keeps_order_and_names(rules):
    texts = [("甲地区生产总值增长5%。\n", "a"), ("乙地区出口下降3%。\n", "b"), ("丙。\n", "c")]
    pages = list(rules.pipe(texts))
    assert [p.source.path for p in pages] == ["a", "b", "c"]
    assert [p.to_json() for p in pages] == [rules(t, name=n).to_json() for t, n in texts]


def test_pipe_in_two_processes_equals_one(rules):
    texts = [FLASH, "上半年，出口总额1.2万亿元，同比增长6.9%。\n"]
    assert [p.to_json() for p in rules.pipe(texts, n_process=2)] == [p.to_json() for p in rules.pipe(texts)]


def test_tables_and_spacy_views(rules):
    page = rules((PAGES / "software_2023q3.txt").read_bytes(), name="software")
    n_facts = sum(len(a.facts) for a in page.articles)
    frame = page.to_pandas("facts")
    assert len(frame) == n_facts and {"metric_name", "value_exact", "change_unit"} <= set(frame.columns)
    assert page.to_arrow("entities").num_rows == sum(len(a.entities) for a in page.articles)
    doc = page.to_spacy()
    assert doc.text == page.original
    assert len(doc.spans["facts"]) == n_facts
    assert {e.label_ for e in doc.ents} <= {"PER", "LOC", "ORG"} and len(doc.ents) > 0


def test_load_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(OSError, match="not a model directory"):
        baozhi.load(tmp_path)


def test_a_missing_default_model_is_announced(monkeypatch, capsys, tmp_path):
    from baozhi import extractor

    monkeypatch.setattr(extractor, "DEFAULT_MODEL", tmp_path / "absent")
    nlp = baozhi.load()
    assert "default model is missing" in capsys.readouterr().err
    assert nlp(FLASH).extractor == "rules-1.0 (default model missing)"


def test_version():
    out = subprocess.run([sys.executable, "-m", "baozhi.cli", "--version"], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == f"baozhi {baozhi.__version__}" and baozhi.__version__[0].isdigit()


def test_the_wheel_carries_the_default_model(tmp_path):
    """`pip install .` must give the model: build the wheel, import baozhi from it alone."""
    import zipfile

    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            str(ROOT), "-w", str(tmp_path / "dist")], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("baozhi-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert {"baozhi/default_model/model.safetensors", "baozhi/default_model/config.json",
                "baozhi/schema/page.schema.json", "baozhi/nn/network.py"} <= names
        z.extractall(tmp_path / "site")
    code = ("import baozhi; p = baozhi.load()('前三季度，全国规模以上工业增加值同比增长4.0%。'); "
            "print(baozhi.__file__); print(p.extractor)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                         env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    where, name = out.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and name.startswith("model:default@")
    assert "missing" not in out.stderr
