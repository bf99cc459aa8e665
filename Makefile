# Two entry points: `make run` (set up, ground a sample instruction, print the plan) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean integration fuzz load kill

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "make: no python3.11 or python3 found; set PYTHON=..." >&2; exit 2; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,distributed,onnx]'
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

# The property tests with 50x their inputs (>= 100,000 in all; about two hours on a shared 2-core machine), then
# the constrained backends on 10,000 random instructions (benchmarks/fuzz.py).
fuzz: $(STAMP)
	TAGE_FUZZ_SCALE=$${TAGE_FUZZ_SCALE:-50} OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/python -m pytest \
		-p no:cacheprovider --hypothesis-show-statistics -k properties tests
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(BIN)/python benchmarks/fuzz.py --n 10000

# The service under Locust: 3,000 requests from 32 users on 2 workers, then the same with a worker killed at 20 s.
load: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/load.py --requests 3000 --users 32 --workers 2
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/load.py --requests 3000 --users 32 --workers 2 --kill-worker 20

# SIGKILL at random moments, 20 trials each: tage annotate pre, data convert and train leave no corrupt file.
kill: $(STAMP)
	TAGE_KILL_TRIALS=20 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -p no:cacheprovider -s -k "sigkill or killed_leaves" tests

# Label Studio in a virtualenv of its own (its pins clash with the project's: numpy, and ~1 GB of dependencies),
# then the round trip against a real server on loopback.
LS_VENV := .venv-labelstudio
$(LS_VENV)/.installed:
	test -d $(LS_VENV) || $(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install -q --upgrade pip
	$(LS_VENV)/bin/pip install -q 'label-studio>=1.13,<2' 'sentry-sdk<3'  # sentry-sdk 3 drops an option LS 1.23 passes
	touch $(LS_VENV)/.installed

integration: $(STAMP) $(LS_VENV)/.installed
	TAGE_LABEL_STUDIO_VENV=$(LS_VENV) $(BIN)/python -m pytest -m integration -s

clean:
	rm -rf $(VENV) $(LS_VENV) .pytest_cache .ruff_cache
