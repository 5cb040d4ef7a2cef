# The two commands: `make demo` and `make test`. Both bootstrap .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/demo.duckdb
PORT ?= 8501
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test venv system-deps app bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installs the package (editable) with its test extras; re-runs when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# Real components for the tests: Prometheus and Chromium from Debian, installed when missing
# and we are root. Under CI=true a component still missing makes the tests fail, not skip.
system-deps:
	@bash scripts/system-deps.sh

demo: venv
	$(BIN)/reliability --db $(DB) demo
	RELIABILITY_DB=$(DB) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# The notebooks run on $(DB), built once when missing (the suite builds its own copy).
test: venv system-deps
	$(BIN)/python -m pytest -n 2 --dist worksteal -q --durations=40
	test -f $(DB) || $(BIN)/reliability --db $(DB) demo
	RELIABILITY_DB=$(abspath $(DB)) $(BIN)/python -m pytest --nbmake notebooks/ -q -p no:cacheprovider

bench: venv
	$(BIN)/python benchmarks/bench_sla.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
