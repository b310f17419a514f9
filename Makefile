# The README's commands. Everything a fresh clone needs is set up here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: test demo lint screenshots setup zookeeper clean bench

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: setup
	$(BIN)/zktui demo

bench: setup
	$(BIN)/python -m benchmarks.run

screenshots: setup
	$(BIN)/python screenshots/generate.py

lint: setup
	$(BIN)/ruff check zktui tests benchmarks

setup: zookeeper $(STAMP)

zookeeper:
	@bash .ci/ensure-zookeeper.sh

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
