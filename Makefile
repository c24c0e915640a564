# Each target bootstraps .venv itself, so a fresh clone needs nothing but python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
TASK ?= classification

.PHONY: test demo bench gpu-bench gpu-smoke lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadgroup --durations=15

demo: $(STAMP)
	$(BIN)/python benchmarks/demo.py --task $(TASK)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/demo.py --task all --json benchmarks/results.json
	$(BIN)/python benchmarks/update.py --json benchmarks/update-results.json
	$(BIN)/python -m benchmarks.new --json benchmarks/results.json
	$(BIN)/python -m benchmarks.loop --json benchmarks/results.json
	$(BIN)/python -m benchmarks.pipeline --json benchmarks/results.json
	$(BIN)/python -m benchmarks.first_step --json benchmarks/results.json
	$(BIN)/python -m benchmarks.startup --json benchmarks/results.json
	$(BIN)/python -m benchmarks.serve --json benchmarks/results.json
	$(BIN)/python -m benchmarks.real_images --json benchmarks/results.json
	$(BIN)/python -m benchmarks.table benchmarks/results.json benchmarks/update-results.json

# On a machine with a CUDA GPU: throughput per precision, channels_last and torch.compile.
gpu-bench: $(STAMP)
	$(BIN)/python -m benchmarks.gpu --json benchmarks/gpu-results.json

# On a machine with a CUDA GPU: every task, one step in bf16-mixed and in 16-mixed.
gpu-smoke: $(STAMP)
	$(BIN)/python scripts/gpu_smoke.py --json gpu-smoke.json

lint: $(STAMP)
	$(BIN)/ruff check scaffolder tests benchmarks scripts
	$(BIN)/ruff format --check scaffolder tests benchmarks scripts

clean:
	rm -rf $(VENV) demo
