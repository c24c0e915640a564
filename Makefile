# Each target bootstraps .venv itself, so a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test demo bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadgroup

demo: $(STAMP)
	$(BIN)/python benchmarks/demo.py

bench: $(STAMP)
	$(BIN)/python benchmarks/demo.py --json benchmarks/results.json
	$(BIN)/python benchmarks/update.py --json benchmarks/update-results.json

lint: $(STAMP)
	$(BIN)/ruff check scaffolder tests benchmarks
	$(BIN)/ruff format --check scaffolder tests benchmarks

clean:
	rm -rf $(VENV) demo
