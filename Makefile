# Two commands on a fresh machine:  make demo  |  make test
# TORCH_SPEC installs torch before the project so pip never picks a multi-GB CUDA build on a
# CPU machine. GPU users: make TORCH_SPEC="torch==2.13.0 --index-url <PyTorch CUDA wheel index>"
# The engine (setup.py) requires faceplate-host, the host side in plugin/, at one pinned version;
# one pip command installs both from the repo's own files.

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
# pytest-xdist workers for `make test` (a test file runs whole on one worker: its module fixtures are built once)
TEST_WORKERS ?= 2
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo farm-demo test bench install clean

install: $(STAMP)

$(STAMP): setup.py plugin/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(TORCH_SPEC)
	$(BIN)/pip install --quiet -e ./plugin -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/faceplate demo demo_out

# the example as an Open Job Description job, every step run by the OpenJD runtime (`openjd run`)
farm-demo: $(STAMP)
	$(BIN)/faceplate farm run farm_demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bench: $(STAMP)
	$(BIN)/python bench/extract.py

clean:
	rm -rf $(VENV) demo_out farm_demo
