# Two entry points for newcomers: `make chat` and `make test`. Both set up what they need.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

.PHONY: install chat test lint
install: $(BIN)/.installed

chat: $(BIN)/.installed
	$(BIN)/policybot chat

lint: $(BIN)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q
