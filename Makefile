# Two commands do all set-up: `make serve` and `make test`. Both create .venv when missing and install the pinned
# dependencies (requirements.txt) and the project (editable) into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve test build lint typecheck unit validate format-check site links bench bench-build bench-serve bench-large bench-deps bench-cold lock clean pdf release

# The pins need Python 3.11.5 or newer (pymdown-extensions); citeproc-js comes with npm. Each missing piece is one
# line saying what to install, before anything is downloaded; a .venv made by an older Python is made again.
PY_OK := import sys; sys.exit(0 if sys.version_info >= (3, 11, 5) else 1)

$(STAMP): pyproject.toml requirements.txt package.json package-lock.json
	@$(PYTHON) -c '$(PY_OK)' 2>/dev/null || { echo "make: refkb needs Python 3.11.5 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1 || echo missing) — install a newer Python and run: make PYTHON=python3.12 (or make clean first)"; exit 1; }
	@command -v npm >/dev/null 2>&1 || { echo "make: npm is needed to install citeproc-js — install Node.js and npm (Debian: apt-get install npm)"; exit 1; }
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c '$(PY_OK)' 2>/dev/null; then echo "make: $(VENV) was made by an older Python; making it again"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# citeproc-js (the CSL engine, run by refkb in mini-racer's embedded V8) comes from the npm registry, pinned by
	# package-lock.json; npm is needed at install time only.
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	# --dirty: a save rebuilds only what it changed (refkb's plugin keeps the rest correct; see scripts/refkb/plugin.py)
	$(BIN)/mkdocs serve --dirty --dev-addr 127.0.0.1:8000

test: lint typecheck unit validate format-check site
	@echo "make test: all checks passed"

lint: $(STAMP)
	$(BIN)/ruff check scripts tests benchmarks
	$(BIN)/ruff format --check scripts tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

validate: $(STAMP)
	$(BIN)/refkb validate

format-check: $(STAMP)
	$(BIN)/refkb format --check

# Never `-q`: it hides the warnings that --strict turns into failures.
site: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

build: site

# The print edition: the whole knowledge base as one PDF (table of contents, page numbers, outline, internal links),
# printed by Debian's headless chromium (apt-get install chromium) from a page composed out of the built site.
# Written to site/downloads/knowledge-base.pdf; the site is built again with REFKB_PRINT_EDITION=1 so that the
# cite page links to it (a plain `make site` has no PDF and no link). Publish by running `make pdf` before deploying
# site/ (the deployment workflow does).
pdf: $(STAMP)
	REFKB_PRINT_EDITION=1 $(BIN)/mkdocs build --strict --site-dir site
	$(BIN)/python -m refkb.site.printed site --out site/downloads/knowledge-base.pdf

# `make release VERSION=x.y.z` bumps CITATION.cff (version, date-released), docs/changelog.md and
# refkb.__version__ at once; commit, then `make release VERSION=x.y.z TAG=1` creates the annotated tag vx.y.z.
release: $(STAMP)
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z [TAG=1]"; exit 2; }
	$(BIN)/python -m refkb.release $(if $(TAG),--tag) $(VERSION)

# Internal links and anchors of the built site (offline); `refkb check-links --online` checks every URL.
links: $(STAMP)
	$(BIN)/refkb check-links

# The build and serve benchmarks run on the real knowledge base grown to N works (benchmarks/grow.py); each prints
# a table to paste into DEVELOPMENT.md with the command that produced it.
bench: $(STAMP)
	$(BIN)/python benchmarks/validate.py
	$(BIN)/python benchmarks/build.py 1000
	$(BIN)/python benchmarks/serve.py 1000 5

bench-build: $(STAMP)
	$(BIN)/python benchmarks/build.py 1000

bench-serve: $(STAMP)
	$(BIN)/python benchmarks/serve.py 1000 5

# The large sizes (tens of minutes): build ratios and serve latency at 5,000, cold builds at 5,000 and 10,000.
bench-large: $(STAMP)
	$(BIN)/python benchmarks/build.py 5000
	$(BIN)/python benchmarks/serve.py 5000 3
	$(BIN)/python benchmarks/cold.py --absolute 5000 10000

# The peer of benchmarks/cold.py (mkdocs-bibtex with pandoc), an optional extra kept out of requirements.txt.
bench-deps: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'

bench-cold: bench-deps
	$(BIN)/python benchmarks/cold.py 1000 3

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	.venv-lock/bin/pip freeze --all --exclude-editable | grep -v -e '^refkb' -e '^pip==' > requirements.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) site .cache .pytest_cache .mypy_cache .ruff_cache
