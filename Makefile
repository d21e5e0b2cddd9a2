# Two entry points for a fresh machine: `make demo` (main job) and `make test` (test suite).
# Everything they need is installed here: a virtualenv with the pinned Python packages and the
# pinned npm packages (solc-js, @prb/math@2.5.0) from contracts/package-lock.json.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install demo test clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

contracts/node_modules/.installed: contracts/package.json contracts/package-lock.json
	cd contracts && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed contracts/node_modules/.installed

demo: install
	$(BIN)/parity verify --rule momentum --assets 3 --blocks 60

test: install
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf $(VENV) contracts/node_modules .parity-cache
