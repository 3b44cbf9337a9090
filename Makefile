# Two commands on a fresh machine: `make run` (install + start the app), `make test` (install + whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DIST_STAMP := $(VENV)/.installed-dist
VERSION = $(shell $(PY) -c "import photoseek; print(photoseek.__version__)")

.PHONY: install run test lint bench clean wheel dist install-desktop uninstall-desktop

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/photoseek

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench scripts packaging
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/index_throughput.py

# dist/photoseek-*.whl: the installable package with the built-in model pack (pip/pipx install it)
wheel: $(STAMP)
	rm -f dist/photoseek-*.whl
	$(PY) -m build --quiet --wheel --outdir dist .

$(DIST_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[dev,dist]'
	touch $(DIST_STAMP)

# dist/PhotoSeek/ (self-contained app folder, run dist/PhotoSeek/photoseek) and dist/PhotoSeek-<version>-linux-<arch>.tar.gz
dist: $(DIST_STAMP) wheel
	rm -rf dist/PhotoSeek
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/photoseek.spec
	tar -C dist -czf dist/PhotoSeek-$(VERSION)-linux-$(shell uname -m).tar.gz PhotoSeek
	@du -sh dist/PhotoSeek dist/PhotoSeek-*.tar.gz dist/photoseek-*.whl

# menu entry + icons for this checkout's `photoseek` in $XDG_DATA_HOME (~/.local/share)
install-desktop: $(STAMP)
	$(VENV)/bin/photoseek install-desktop

uninstall-desktop: $(STAMP)
	$(VENV)/bin/photoseek install-desktop --uninstall

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info
