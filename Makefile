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

# One worker per core, at most four; a test file runs in one worker (its fixtures built once).
test: lint
	$(BIN)/pytest -q --numprocesses=auto --maxprocesses=4 --dist=loadfile

# requirements.lock: the image's pinned dependencies, resolved afresh from pyproject.toml.
.PHONY: lock
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet .
	{ sed -n '1,3p' requirements.lock; .lock-venv/bin/pip freeze --exclude policybot; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .lock-venv build policybot.egg-info
