# Two commands for a fresh machine (see README):
#   make book   set up, execute every notebook on the built-in data, build _build/html
#   make test   set up, run every test (lint, unit tests, nbval on every notebook, the book
#               build with warnings as errors, the built site in a headless browser)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
export PYTHONHASHSEED := 0

.PHONY: book test setup execute lint unit nbval nbval-portable build-committed student student-check build site browser vendor timings scale-up benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

book: setup build

build: vendor
	$(BIN)/jupyter-book build . --warningiserror --keep-going

# make test builds the site from the committed outputs, which nbval has just proven to
# be what the code prints, instead of executing every notebook a third time.
COMMITTED_CONFIG := _build/_config_committed.yml

build-committed: vendor
	mkdir -p _build
	sed -e 's/^  execute_notebooks: force/  execute_notebooks: "off"/' \
	    -e 's|^    sphinx_site: book/_ext|    sphinx_site: ../book/_ext|' _config.yml > $(COMMITTED_CONFIG)
	grep -q '^  execute_notebooks: "off"' $(COMMITTED_CONFIG)
	grep -q '^    sphinx_site: ../book/_ext' $(COMMITTED_CONFIG)  # paths are relative to the config
	$(BIN)/jupyter-book build . --config $(COMMITTED_CONFIG) --warningiserror --keep-going

# MathJax 3 and the Jupyter widgets manager, served by the site itself (no CDN), fetched
# from the npm registry at build time into an ignored folder; never committed.
VENDOR := _vendor/site
MATHJAX := mathjax@3.2.2
HTML_MANAGER := @jupyter-widgets/html-manager@1.0.15
REQUIREJS := requirejs@2.3.7

vendor: _vendor/.fetched

_vendor/.fetched:
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed to fetch MathJax and the widget manager for the offline site: install Node.js"; exit 1; }
	rm -rf _vendor && mkdir -p _vendor/pack $(VENDOR)/mathjax $(VENDOR)/widgets/@jupyter-widgets/html-manager
	cd _vendor/pack && npm pack --silent $(MATHJAX) $(HTML_MANAGER) $(REQUIREJS) >/dev/null
	tar -xzf _vendor/pack/mathjax-*.tgz -C $(VENDOR)/mathjax --strip-components=1 package/es5 package/LICENSE
	tar -xzf _vendor/pack/jupyter-widgets-html-manager-*.tgz -C $(VENDOR)/widgets/@jupyter-widgets/html-manager --strip-components=1 package/dist
	tar -xzf _vendor/pack/requirejs-*.tgz -C $(VENDOR)/widgets --strip-components=1 package/require.js
	rm -rf _vendor/pack
	touch $@

test: setup lint unit nbval nbval-portable student-check build-committed site

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit:
	$(BIN)/python -m pytest tests --ignore=tests/site -n 2

# The package's unit tests at the lowest versions pyproject.toml allows, in a venv of their
# own: torch 2.13.0 first (the only CPU build of torch here; the declared bound is 2.4),
# then every other dependency pinned at its lower bound by constraints/lowest.txt (pip has
# no "lowest" resolution; tests/test_lowest_versions.py keeps the two in step), wheels only.
# Left out, because they need the book's toolchain rather than the package's dependencies:
#   tests/site                       the built site in headless Chromium (a book build)
#   tests/test_notebooks.py          the notebooks and the student tool (nbformat, nbclient)
#   tests/test_nbval_tolerance.py    the nbval plugin (nbval, nbformat)
#   tests/test_sphinx_site.py        the site's Sphinx extension (sphinx, pybtex)
#   tests/test_portable_markdown.py  the notebooks' Markdown, with that extension (pybtex, yaml)
LOWEST := .venv-lowest
LOWEST_LEFT_OUT := tests/site tests/test_notebooks.py tests/test_nbval_tolerance.py \
	tests/test_sphinx_site.py tests/test_portable_markdown.py

.PHONY: test-lowest
test-lowest: $(LOWEST)/.installed
	$(LOWEST)/bin/python -c "import matplotlib_inline.backend_inline"  # what every notebook plot loads
	PATH="$(abspath $(LOWEST))/bin:$$PATH" $(LOWEST)/bin/python -m pytest tests \
		$(addprefix --ignore=,$(LOWEST_LEFT_OUT)) -n 2

$(LOWEST)/.installed: constraints/lowest.txt pyproject.toml
	$(PYTHON) -m venv --clear $(LOWEST)
	$(LOWEST)/bin/python -m pip install torch==2.13.0
	$(LOWEST)/bin/python -m pip install --only-binary :all: -r constraints/lowest.txt
	$(LOWEST)/bin/python -m pip install --no-deps -e .
	$(LOWEST)/bin/python -m pip check
	$(LOWEST)/bin/python -m pip freeze --exclude-editable > $(LOWEST)/freeze.txt
	touch $@

# Opens every page of the built site in headless Chromium with the network off.
# Installs Debian's chromium where it can (root with apt-get); skips with a message otherwise.
site: browser
	$(BIN)/python -m pytest tests/site

browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) ; } \
		|| echo "Chromium could not be installed: the browser tests will be skipped"

NBVAL = $(BIN)/python -m pytest -p aecourse.tools.nbval_tolerance --nbval --nbval-current-env -p no:randomly -n 2 --dist loadfile notebooks

nbval:
	$(NBVAL)

# The same, with PyTorch's generic kernels and two OpenMP threads: a stand-in for
# another CPU (the committed outputs must pass on any machine).
nbval-portable:
	ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=2 $(NBVAL)

# The student edition (solutions removed, stubs and checks kept) in student/.
student: setup
	$(BIN)/python -m aecourse.tools.student notebooks/*.ipynb --out student

# ... and run it: every stub must fail its check with a helpful message.
student-check: setup
	$(BIN)/python -m aecourse.tools.student notebooks/*.ipynb --out student --execute

# Re-execute every notebook in place (the outputs committed to git, which nbval checks).
execute: setup
	$(BIN)/python -m aecourse.tools.execute notebooks/*.ipynb

# How long each notebook takes to run here (files left as they are), and the epoch
# benchmark of the reference VAE against this machine's matrix-multiply rate.
timings: setup
	$(BIN)/python -m aecourse.tools.execute --no-write notebooks/*.ipynb

# Every notebook with FAST = False (full MNIST, longer training; for a GPU), timed;
# the files are left as they are, the executed copies go to _build/scaled-up/.
scale-up: setup
	$(BIN)/python -m aecourse.tools.execute --scale-up --output-dir _build/scaled-up notebooks/*.ipynb

benchmark: setup
	$(BIN)/python -m aecourse.tools.benchmark

clean:
	rm -rf _build
