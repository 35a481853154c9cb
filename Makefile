# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install install-test migrate seed clean mail-worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask journal seed-demo --if-empty

run: seed
	@echo "Serving on http://127.0.0.1:5000 (Ctrl-C stops)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

mail-worker: install
	$(BIN)/flask journal send-mail

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
