# The README's two commands: `make run` (example batch) and `make test` (the suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
AS_OF ?= 2026-12-01

.PHONY: run test lint bench clean

$(BIN)/collectbatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/collectbatch
	$(BIN)/collectbatch run --as-of $(AS_OF) --force

test: $(BIN)/collectbatch
	$(BIN)/python -m pytest

lint: $(BIN)/collectbatch
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: $(BIN)/collectbatch
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf $(VENV) out/*/
