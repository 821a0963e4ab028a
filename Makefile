# Two entry points for a fresh machine with Python >= 3.11 and make:
#   make serve   set up a virtual environment, train the default model if none, serve it
#   make test    set up the same environment plus test tools, lint, run every test
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: setup serve test lint format bench loadtest browser clean shipped-model

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: setup
	$(BIN)/ai-stage serve

# The browser test drives Debian's Chromium; install it when missing and we are allowed to.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else echo "browser tests need chromium and chromium-driver: sudo apt-get install chromium chromium-driver"; fi; \
	fi

lint: setup
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: setup browser lint
	$(BIN)/ai-stage check-data
	$(BIN)/pytest

# fastText is installed for the comparison only; wrk generates the HTTP load.
bench: setup
	$(BIN)/python -m pip install --quiet fasttext-wheel
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -m bench.feature_tradeoff
	$(BIN)/python -m bench
	$(BIN)/python -m bench.review_loop

# The long version of the load-with-faults test (CI runs a 12-second one).
loadtest: setup
	AI_STAGE_LOAD_SECONDS=60 $(BIN)/pytest tests/service/test_load_with_faults.py -k retrain

# Rebuild the default model shipped with ai-stage (models/default, packaged in the wheel) after
# the corpus or the model design changes; a test fails until it is rebuilt.
shipped-model: setup
	rm -rf build/shipped-model models/default
	$(BIN)/ai-stage --models-dir build/shipped-model --data-dir training_data train
	mkdir -p models/default && cp -r build/shipped-model/2*Z-* models/default/

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
