# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := corpora/pages/software_2023q3.txt
STAMP := $(VENV)/.installed

.PHONY: run test lint evaluate bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/baozhi extract $(SAMPLE) --format table

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

evaluate: $(STAMP)
	$(BIN)/baozhi evaluate --gold annotations/gold

bench: $(STAMP)
	$(BIN)/python bench/layout.py --check
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
