# Two entry points: `make run` (set up, ground a sample instruction, print the plan) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean integration

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no python3.11 or python3 found; set PYTHON=..." >&2; exit 2; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,distributed]'
	touch $(STAMP)

setup: $(STAMP)

# Exit code 1 means the plan needs a clarification: a valid answer for a demo, not a failure.
run: $(STAMP)
	$(BIN)/tage ground "go to the kitchen, take the red mug next to the sink and bring it to me" \
		--scene data/scenes/apartment.yaml || test $$? -eq 1

# One torch thread per process unless told otherwise: the suite runs servers beside itself on a 2-core machine,
# where two threads per process made a parse 10x slower.
test: $(STAMP)
	$(BIN)/ruff check .
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/python -m pytest

# Label Studio in a virtualenv of its own (its pins clash with the project's: numpy, and ~1 GB of dependencies),
# then the round trip against a real server on loopback.
LS_VENV := .venv-labelstudio
$(LS_VENV)/.installed:
	test -d $(LS_VENV) || $(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install -q --upgrade pip
	$(LS_VENV)/bin/pip install -q 'label-studio>=1.13,<2'
	touch $(LS_VENV)/.installed

integration: $(STAMP) $(LS_VENV)/.installed
	TAGE_LABEL_STUDIO_VENV=$(LS_VENV) $(BIN)/python -m pytest -m integration -s

clean:
	rm -rf $(VENV) $(LS_VENV) .pytest_cache .ruff_cache
