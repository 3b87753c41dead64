# The two commands that matter: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install system-packages demo test bench clean lock image image-s3

# System packages first: tesserocr is compiled against the system's libtesseract.
install: system-packages $(STAMP)

system-packages:
	@bash scripts/install-system.sh

# tesserocr from source, never its wheel: the wheel bundles another Tesseract build, whose readings differ
# from the `tesseract` program's on some pages; the archive reads with the very engine it is measured against.
# Every package, and every file of it, as requirements-dev.lock says (versions and SHA-256 hashes, made from
# pyproject.toml by `make lock`): two installs on two machines get the same bytes.
$(STAMP): pyproject.toml requirements-dev.lock search/native/Cargo.toml search/native/Cargo.lock search/native/src/lib.rs
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip==26.3
	PIP_NO_BINARY=tesserocr $(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	# The native ranked search (search/native): Rust, built by maturin (pinned in the lock) with Cargo.lock's crates.
	PATH="$(CURDIR)/$(VENV)/bin:$$HOME/.cargo/bin:$$PATH" MATURIN_PEP517_ARGS="--locked" \
	  $(PY) -m pip install -q --no-deps --no-build-isolation --force-reinstall ./search/native
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

# The container images (dist/equipment-archive-<version>.oci.tar and dist/equipment-archive-s3-<version>.oci.tar;
# `docker load -i` or `podman load -i` them). The archive's: Debian packages from deploy/image/debian-packages.lock by
# mmdebstrap, Python from the locks, search/native as above. The S3 server's (image-s3): the `weed` scripts/services
# builds for the tests, with bash and coreutils from deploy/s3/debian-packages.lock (its first build needs Go).
# Reproducible: the same inputs give the same digest (docs/deploy.md, "The image"). Need root.
image: install image-s3
	$(PY) deploy/image/build.py

image-s3: install
	$(PY) deploy/s3/build.py

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) archive-data demo-data bench/work .pytest_cache

# After changing a pin in pyproject.toml: the lock files again, with the hashes of every file of every package.
lock:
	test -x .lock-tools/bin/pip-compile || ($(PYTHON) -m venv .lock-tools && .lock-tools/bin/pip install -q pip-tools==7.7.0)
	.lock-tools/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links --extra test \
	  --extra build -o requirements-dev.lock pyproject.toml
	.lock-tools/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
	  -o requirements.lock pyproject.toml
	.lock-tools/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
	  -o deploy/image/build-requirements.lock deploy/image/build-requirements.in
	.lock-tools/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links \
	  -o deploy/image/debian-python.lock deploy/image/debian-python.in
