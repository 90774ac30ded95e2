# Two commands set up a fresh machine: `make demo` runs the main job, `make test` the test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= out

.PHONY: demo test lint typecheck clean bench bench-scale vendor-web

$(BIN)/emg-kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

demo: $(BIN)/emg-kg
	$(BIN)/emg-kg demo --out $(OUT)

lint: $(BIN)/emg-kg
	$(BIN)/ruff check emg_kg tests bench
	$(BIN)/ruff format --check emg_kg tests bench
	$(BIN)/lint-imports

typecheck: $(BIN)/emg-kg
	$(BIN)/mypy

# The suite with the doctests of emg_kg, and the coverage floor (fail_under in pyproject.toml)
test: lint typecheck
	$(BIN)/pytest --cov

# Benchmarks print figures; they are never timed tests (docs/benchmarks*.md keep the results).
bench: $(BIN)/emg-kg
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/gate.py
	$(BIN)/python bench/viz.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/attack.py

# The scale benchmark (minutes; a private Virtuoso is started if virtuoso-t is installed).
bench-scale: $(BIN)/emg-kg
	$(BIN)/python bench/scale.py --quads 200000 --json $(OUT)/scale-200k.json

# The editor's browser files (YASGUI, Chart.js) from npm into emg_kg/web/static/, with versions and
# licences; committed, so neither a build nor a page needs the network.
vendor-web:
	tools/vendor-web.sh

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
