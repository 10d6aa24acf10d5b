# The two set-up commands of the README:
#   make demo   installs the tool in .venv and renders a bundled example
#   make test   installs the tool with its test tools and runs every check
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck testenv bench schema clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# Byte-compile now: an editable install is otherwise compiled at each run where
	# PYTHONDONTWRITEBYTECODE is set, which costs the CLI tens of milliseconds.
	$(BIN)/python -m compileall -q src
	touch $@

demo: $(BIN)/.installed
	$(BIN)/modelservice template demo -f examples/simulator.yaml

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks

typecheck: $(BIN)/.installed
	$(BIN)/mypy --strict src

# Builds the local Kubernetes control plane for the cluster tests (cached; minutes when cold).
testenv:
	$(PYTHON) testenv/run --build-only

test: lint typecheck testenv
	$(BIN)/pytest

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py

# Regenerate the shipped JSON Schema after editing src/modelservice/values/schema.py.
schema: $(BIN)/.installed
	$(BIN)/modelservice schema > src/modelservice/values/values.schema.json

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
