# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install install-test browser-deps migrate seed clean mail-worker

# The browser tests (tests/e2e) drive Debian's Chromium and check pages with axe-core from npm.
CHROMIUM ?= /usr/bin/chromium
E2E_DEPS := .cache/e2e
AXE_CORE_VERSION := 4.14.1
AXE_JS := $(E2E_DEPS)/node_modules/axe-core/axe.min.js

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,browser]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask journal seed-demo --if-empty

# The logins (from seed) and the address are the last lines before Flask's own.
run: seed
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C stops)"
	@$(BIN)/flask run --host 127.0.0.1 --port 5000

mail-worker: install
	$(BIN)/flask journal send-mail

# Never fails: what cannot be installed makes the browser suite skip, loudly, naming the cause.
browser-deps:
	@test -x $(CHROMIUM) || apt-get install -y -q chromium >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } \
		|| echo "*** 'apt-get install -y chromium' failed: the browser tests (tests/e2e) will be SKIPPED ***"
	@test -f $(AXE_JS) || npm install --silent --no-audit --no-fund --no-save --no-package-lock \
		--prefix $(E2E_DEPS) axe-core@$(AXE_CORE_VERSION) >/dev/null 2>&1 \
		|| echo "*** 'npm install axe-core' failed: the browser tests (tests/e2e) will be SKIPPED ***"

test: install-test browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .cache tests/e2e/artifacts
