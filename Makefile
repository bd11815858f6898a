# Everything installs itself into .venv: a fresh machine needs only python3.11 and pip.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test test-extended system-deps lint typecheck unit bench mutants clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/nemo-fake serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check mock_server client nemo_protocol tests benchmarks fixtures examples
	$(BIN)/ruff format --check mock_server client nemo_protocol tests benchmarks fixtures examples
	$(BIN)/lint-imports  # the import rules in pyproject.toml ([tool.importlinter])

typecheck: $(STAMP)
	$(BIN)/mypy

system-deps:
	bash tools/system-deps.sh

# `extended`-marked suites (a real browser, the official CLI, several workers on Redis...)
# run in their own target so `make test` stays under 3 minutes; .ci/run runs both.
# the consumer project's cached virtualenv (tests/packaging): created once, a no-op after
unit: $(STAMP) system-deps
	$(BIN)/python -m tests.packaging.consumer_venv
	$(BIN)/pytest -n 2 -m "not extended" --cov --cov-report=term --cov-fail-under=95

test-extended: $(STAMP) system-deps
	$(BIN)/pytest -n 2 -m extended; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

mutants: $(STAMP)
	$(BIN)/python -m tests.mutants

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage .pytest_cache
