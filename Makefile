# The two commands that matter: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test bench clean

install: $(STAMP)
	@bash scripts/install-system.sh

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: install
	$(VENV)/bin/archive demo

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) archive-data demo-data bench/work .pytest_cache
