# Every target does its own set-up on a fresh machine: .venv, the project, a trained model.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install model run test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

# Trains and promotes a model only when none is current; a working model is never replaced here.
model: install
	$(BIN)/scope-bot train --if-missing

run: model
	$(BIN)/scope-bot run

test: model
	$(BIN)/python -m pytest

# Lint, format check and types; CI runs this before the tests.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: model
	$(BIN)/python benchmarks/bench.py

# Removes what `make install` builds; var/ (database, models) is data and stays.
clean:
	rm -rf $(VENV) *.egg-info
