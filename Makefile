# The two commands that matter: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install system-packages demo test bench clean

# System packages first: tesserocr is compiled against the system's libtesseract.
install: system-packages $(STAMP)

system-packages:
	@bash scripts/install-system.sh

# tesserocr from source, never its wheel: the wheel bundles another Tesseract build, whose readings differ
# from the `tesseract` program's on some pages; the archive reads with the very engine it is measured against.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	PIP_NO_BINARY=tesserocr $(PY) -m pip install -q -e '.[test]'
	$(PY) -c "import tesserocr, subprocess; \
	  ours = tesserocr.tesseract_version().split()[1]; \
	  program = subprocess.run(['tesseract', '--version'], capture_output=True, text=True).stdout.split()[1]; \
	  assert ours == program, f'tesserocr uses Tesseract {ours}, the tesseract program is {program}'"
	touch $(STAMP)

demo: install
	$(VENV)/bin/archive demo

test: install
	# unbuffered: a run stopped from outside still shows how far it got
	PYTHONUNBUFFERED=1 $(PY) -m pytest -q

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) archive-data demo-data bench/work .pytest_cache
