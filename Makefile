# `make run` materializes every asset for the embedded Hub; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DYNOSAUR_HUB ?= local
export DYNOSAUR_HUB_DIR ?= data/hub
export DYNOSAUR_DB ?= data/dynosaur.duckdb

.PHONY: run test dev sql clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m compileall -q -j 0 $(VENV) > /dev/null || true
	touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m dynosaur_assets.run

test: $(STAMP)
	$(PY) -m pytest -q

dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

sql: $(STAMP)
	$(PY) -m dynosaur_assets.summary

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) data/dynosaur.duckdb data/dynosaur.duckdb.wal
