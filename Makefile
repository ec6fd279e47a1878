# painkit: two commands do all set-up. `make lab` to learn, `make test` to check everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.painkit-installed
ARGS   ?=
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

CHROMIUM := /usr/bin/chromium
CHP      := $(VENV)/node/node_modules/.bin/configurable-http-proxy
AXE      := $(VENV)/node/node_modules/axe-core/axe.min.js
AXE_VERSION := 4.14.1
LRS_VENV := $(VENV)/lrs
LRS      := $(LRS_VENV)/.installed
APP_PORT ?= 8866
N        ?= 30

.PHONY: lab test setup app venv clean bench fuzz loadtest bytecode

# The stamp depends on pyproject.toml: re-run pip only when dependencies change.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (painkit)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

# painkit's own modules compiled to bytecode ahead of time, as a regular (not editable) pip install does: an
# editable install has none, and where PYTHONDONTWRITEBYTECODE=1 (many containers and CI machines) Python never
# writes it, so every new kernel compiled ~90 modules again on import, 0.1-0.4 s of each Voila page's render
# (measured for issue 17 with bench/bench_app.py). Only changed files are compiled again (about 0.1 s).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q painkit

# Learners work on copies (my-notebooks/, git-ignored; existing copies are never overwritten) in a JupyterLab
# rooted there with autosave off (deploy/lab/overrides.json, read by this command only), so Run All never
# writes outputs into the tracked notebooks/.
LEARNER_DIR := my-notebooks
lab: $(STAMP) bytecode
	$(BIN)/python tools/lab_setup.py --dest $(LEARNER_DIR)
	$(BIN)/jupyter lab --LabApp.app_settings_dir=$(CURDIR)/deploy/lab --ServerApp.root_dir=$(CURDIR)/$(LEARNER_DIR) \
	  $(CURDIR)/$(LEARNER_DIR)/00_start_here.ipynb $(ROOT_FLAG) $(ARGS)

# Set-up steps are independent (pip, apt, npm, the LRS venv): run them side by side to save minutes on a
# fresh clone; npm installs wait for each other (one prefix).
setup:
	@$(MAKE) --no-print-directory -j4 $(STAMP) $(CHROMIUM) $(CHP) $(AXE) $(LRS)

# Two workers, each taking whole groups of tests (conftest.py: a unit-test file or a notebook, whose cells run in
# order on one kernel; the tests sharing one notebook's browser page; each other browser or hub test), handed
# out longest first (--no-loadscope-reorder keeps conftest.py's order): browser and hub tests mostly wait on
# pages and kernels, so they overlap with the CPU-bound unit tests, which fill the end. WORKERS=0 runs
# everything in one process, in the same order.
WORKERS ?= 2
test: setup bytecode
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder $(ARGS)

# Learner notebooks as apps: code hidden, widgets live (Voila), on localhost only. deploy/voila holds
# painkit's template (no CDN: works offline) and config (the educator/ folder is not listed).
# Each page's kernel is forked from a process that has already imported IPython's kernel, pandas, ipywidgets
# and painkit (deploy/voila/forkserver.py): pages render in 0.7-1.3 s instead of 1.2-2.1 s (make bench, quiet
# 2-core machine). FORK=0 starts a new Python for each kernel instead.
# PREHEAT=1 keeps one kernel per learner notebook already run (Voila's preheated pool): pages open at once,
# for about 0.1 GB of memory per notebook (make bench prints all three render times).
PREHEAT ?=
PREHEAT_FLAGS := $(if $(PREHEAT),--VoilaConfiguration.preheat_kernel=True --VoilaKernelManager.preheat_denylist=educator)
FORK ?= 1
app: $(STAMP) bytecode
	PAINKIT_KERNEL_FORK=$(FORK) JUPYTER_PATH=$(CURDIR)/deploy/voila JUPYTER_CONFIG_PATH=$(CURDIR)/deploy/voila \
	  $(BIN)/voila notebooks/ --no-browser --port=$(APP_PORT) --Voila.ip=127.0.0.1 $(PREHEAT_FLAGS) $(ARGS)

# Browser tests drive Debian's Chromium (never `playwright install`, which downloads its own browser).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "The browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install -y chromium' and retry."; \
	  exit 1; \
	fi

# JupyterHub's proxy is an npm package; it goes inside .venv so nothing is installed globally.
$(CHP): | $(BIN)/python
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "The JupyterHub test needs npm: run 'sudo apt-get install -y npm' and retry."; exit 1; fi; \
	fi
	npm install --silent --no-fund --no-audit --prefix $(VENV)/node configurable-http-proxy

# Hypothesis fuzzing of every public entry point with a large example budget (about 10 minutes; `make test`
# runs the same properties with a small budget). PAINKIT_FUZZ_EXAMPLES=N changes the budget.
fuzz: $(STAMP)
	PAINKIT_FUZZ=long $(BIN)/python -m pytest tests/fuzz -p no:cacheprovider -q $(ARGS)

# axe-core (accessibility rules) is injected into pages by the browser tests; an npm package, inside .venv.
$(AXE): | $(BIN)/python $(CHP)
	@command -v npm >/dev/null || { echo "The accessibility tests need npm: run 'sudo apt-get install -y npm' and retry."; exit 1; }
	npm install --silent --no-fund --no-audit --prefix $(VENV)/node axe-core@$(AXE_VERSION)


# The learning record store for tests/test_lrs.py and the LRS bench (Ralph over BriskDB, both from PyPI),
# in its own venv so its pinned dependencies never meet painkit's. Started on 127.0.0.1 by the tests.
$(LRS): tests/lrs/requirements.txt | $(BIN)/python
	$(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LRS_VENV)/bin/python -m pip install --quiet -r tests/lrs/requirements.txt
	touch $(LRS)

bench: $(STAMP) $(LRS) bytecode
	for f in bench/bench_*.py; do $(BIN)/python $$f || exit 1; done

# N learners log in together on the shipped hub config (127.0.0.1 only) and run notebooks 03 and 05; prints
# the sizing table of docs/deploy.md. Not part of `make test`: it takes minutes and all the CPU.
loadtest: $(STAMP) $(CHP)
	$(BIN)/python bench/loadtest_hub.py --learners $(N) $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
