# recsys_nb developer commands. `make test` is the one test command: CI (.ci/run) calls it too.
# VENV: the virtual environment to create/use; TORCH: the torch requirement installed before the project.
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
# ml-100k for tests and tutorials: ../shared/data when it exists and RECSYS_NB_DATA is not already set
ifeq ($(origin RECSYS_NB_DATA), undefined)
  ifneq ($(wildcard ../shared/data/ml-100k),)
    export RECSYS_NB_DATA := $(abspath ../shared/data)
  endif
endif

.PHONY: help install install-lib demo demo-run test check test-data fetch-data export clean-nbs lint nbtest pytest docs docs-check docs-math readme readme-check

help:
	@echo "make demo     create $(VENV) if needed, install, train SASRec on the built-in synthetic data, print metrics and recommendations"
	@echo "make test     create $(VENV) if needed, install the project with [dev], run every check CI runs"
	@echo "make check    run the checks in the current $(VENV) without installing"
	@echo "make lint     ruff (configured in ruff.toml) over the library, tests, benchmarks and tools"
	@echo "make docs     build the documentation site into _docs/"
	@echo "make docs-math check in headless Chromium that every formula of the site renders"
	@echo "make readme   regenerate README.md from nbs/index.ipynb"

$(BIN)/python:
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e ".[dev]"

install-lib: $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH)"
	$(BIN)/python -m pip install -q -e .

# The README's main job: train and evaluate the default model on the embedded synthetic data, then recommend.
DEMO_OUT ?= runs/demo
DEMO_ARGS ?=
demo: install-lib demo-run

demo-run:
	rm -rf "$(DEMO_OUT)"
	recsys-nb train --model sasrec --dataset synthetic --out "$(DEMO_OUT)" $(DEMO_ARGS)
	@echo
	@echo "Top 10 for user 1 of the synthetic data (history excluded):"
	recsys-nb recommend --run "$(DEMO_OUT)" --user 1 -k 10

# ml-100k first, before minutes of installing: found, else downloadable, else one line saying what to set
test: test-data install check

test-data:
	@python3 tools/test_data.py

fetch-data:
	@python tools/test_data.py --fetch

# pytest runs last so that its closing line ends the output
check: fetch-data clean-nbs export lint readme-check nbtest docs-check pytest

clean-nbs:
	python tools/unchanged.py nbdev_clean

export:
	python tools/unchanged.py nbdev_export

lint:
	ruff check recsys_nb tests bench tools

nbtest:
	nbdev_test --do_print --timing

pytest:
	python -m pytest tests/ -q -rs

docs:
	python tools/build_docs.py

docs-check:
	python tools/build_docs.py --check

# formulas typeset in headless Chromium (apt-get install chromium); pytest runs it too when Chromium is there
docs-math: docs
	python tools/check_math.py

readme:
	python tools/build_readme.py

readme-check:
	python tools/build_readme.py --check
