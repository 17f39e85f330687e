# Two commands for a fresh machine (see README):
#   make book   set up, execute every notebook on the built-in data, build _build/html
#   make test   set up, run every test (unit tests, nbval on every notebook, the book build)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
export PYTHONHASHSEED := 0

.PHONY: book test setup execute unit nbval build clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

book: setup build

build:
	$(BIN)/jupyter-book build . --warningiserror --keep-going

test: setup unit nbval build

unit:
	$(BIN)/python -m pytest tests

nbval:
	$(BIN)/python -m pytest --nbval --nbval-current-env -p no:randomly notebooks

# Re-execute every notebook in place (the outputs committed to git, which nbval checks).
execute: setup
	$(BIN)/python -m aecourse.tools.execute notebooks/*.ipynb

clean:
	rm -rf _build
