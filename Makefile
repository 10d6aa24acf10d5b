# The two set-up commands of the README:
#   make demo   installs the tool in .venv and renders a bundled example
#   make test   installs the tool with its test tools and runs every check
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

LOWEST ?= .venv-lowest

.PHONY: demo test test-lowest lint typecheck testenv bench schema clean

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

# The unit tests once more, against the lowest runtime dependency versions pyproject.toml
# allows (its floors, pinned), in a venv of their own.
$(LOWEST)/bin/.installed: pyproject.toml tests/tools/lowest_requirements.py
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/pip install --quiet --upgrade pip
	$(PYTHON) tests/tools/lowest_requirements.py > $(LOWEST)/constraints.txt
	$(LOWEST)/bin/pip install --quiet -c $(LOWEST)/constraints.txt -e '.[test]'
	$(LOWEST)/bin/python -m compileall -q src
	touch $@

test-lowest: $(LOWEST)/bin/.installed
	@echo "== unit tests against: $$(tr '\n' ' ' < $(LOWEST)/constraints.txt)"
	$(LOWEST)/bin/python -m pytest -q -p no:cacheprovider tests/unit

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/run.py

# Regenerate the shipped JSON Schema after editing src/modelservice/values/schema.py.
schema: $(BIN)/.installed
	$(BIN)/modelservice schema > src/modelservice/values/values.schema.json

clean:
	rm -rf $(VENV) $(LOWEST) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
