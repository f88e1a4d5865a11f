# compilot: `make demo` sets everything up and runs the main job; `make test` sets up and tests.
# Every target installs what it needs, so both work on a fresh machine.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The 0.5B model keeps end-to-end tests fast; assembled once into this persistent cache.
export COMPILOT_TEST_HOME ?= $(HOME)/.cache/compilot-test

.PHONY: setup system-deps venv sandbox-image demo test test-fast lint bench clean

setup: system-deps venv

system-deps:
	@command -v git >/dev/null && command -v mmdebstrap >/dev/null || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q git mmdebstrap; }
	@$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q python3-venv; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel

# llama-cpp-python builds from source the first time (~9 min); pip caches the wheel after.
venv: $(BIN)/python
	$(BIN)/pip install -q -e '.[local,dev]'

sandbox-image: setup
	$(BIN)/compilot sandbox build

# The main job: `compilot fix` on the bundled example project with the default local model.
demo: setup sandbox-image
	$(BIN)/compilot model pull
	$(BIN)/compilot doctor
	$(BIN)/compilot demo

test: setup sandbox-image lint
	COMPILOT_HOME=$(COMPILOT_TEST_HOME) $(BIN)/compilot model pull --model bundled:qwen2.5-coder-0.5b
	$(BIN)/pytest; rc=$$?; COMPILOT_HOME=$(COMPILOT_TEST_HOME) $(BIN)/compilot model stop; exit $$rc

# No Docker and no model: the pure-logic rungs of the test ladder only.
test-fast: venv
	COMPILOT_SKIP_DOCKER=1 $(BIN)/pytest -m "not docker and not model"

# Style and types; part of `make test`, so CI checks them too.
lint: venv
	$(BIN)/ruff check compilot tests benchmarks --exclude 'benchmarks/.venv*'
	$(BIN)/mypy compilot

bench: setup sandbox-image
	$(BIN)/python benchmarks/model_throughput.py
	$(BIN)/python benchmarks/sandbox_latency.py

clean:
	$(BIN)/compilot model stop || true
	$(BIN)/compilot sandbox gc --all || true
	rm -rf $(VENV) .pytest_cache
