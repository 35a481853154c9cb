# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run run-orcid test install install-test browser-deps bench-deps cluster-deps migrate seed clean mail-worker translations fonts

# The browser tests (tests/e2e) drive Debian's Chromium and check pages with axe-core from npm.
CHROMIUM ?= /usr/bin/chromium
E2E_DEPS := .cache/e2e
AXE_CORE_VERSION := 4.14.1
AXE_JS := $(E2E_DEPS)/node_modules/axe-core/axe.min.js

# uv installs what pip would, from the same index, in seconds rather than a minute (parallel downloads, a shared
# cache it links from); pip installs instead where uv cannot be had. -qq: errors only, not pip's index notes.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip -qq --python $(BIN)/python install uv \
		|| { echo "*** uv could not be installed: pip installs instead (slower) ***"; $(BIN)/python -m ensurepip --default-pip >/dev/null; }

# Python writes a module's bytecode when it first imports it, unless PYTHONDONTWRITEBYTECODE is set: then each
# process (each sandboxed PDF check too) would compile every module anew, so uv compiles them all once, as pip does.
INSTALL = $(if $(wildcard $(BIN)/uv),$(BIN)/uv pip install --python $(BIN)/python \
	$(if $(PYTHONDONTWRITEBYTECODE),--compile-bytecode),$(BIN)/python -m pip install)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(INSTALL) --quiet -e . pip
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(INSTALL) --quiet -e '.[test,browser]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/flask db upgrade

# The PDFs the system writes embed DejaVu Sans (Latin, Cyrillic, Arabic) and Droid Sans Fallback (Chinese):
# journal/fonts.py. Never fails: without them the PDFs fall back to Latin-1, and the tests that need them say so.
FONT_PACKAGES := fonts-dejavu-core fonts-droid-fallback
fonts:
	@test -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf -a -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
		|| apt-get install -y -q $(FONT_PACKAGES) >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(FONT_PACKAGES) >/dev/null 2>&1; } \
		|| echo "*** 'apt-get install -y $(FONT_PACKAGES)' failed: PDFs cannot show Chinese; the tests that need it are SKIPPED ***"

seed: migrate fonts latex-deps
	$(BIN)/flask journal seed-demo --if-empty --base-url http://127.0.0.1:$(PORT)

# The logins (from seed) and the address are the last lines before Flask's own.
run: seed
	@echo "Serving on http://127.0.0.1:$(PORT), the JSON API's docs at http://127.0.0.1:$(PORT)/api/v1/docs (Ctrl-C stops)"
	@$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# ORCID sign-in against a LOCAL TEST PROVIDER (oidc-provider-mock, from the test extras) on loopback, NOT ORCID:
# it signs in whatever iD is typed on its page. README: "Trying ORCID sign-in on your machine".
ORCID_MOCK_PORT ?= 9400
run-orcid: seed install-test
	@echo "Local test provider (not ORCID) on http://127.0.0.1:$(ORCID_MOCK_PORT); serving on http://127.0.0.1:$(PORT) (Ctrl-C stops)"
	@$(BIN)/python -W ignore -m oidc_provider_mock --host 127.0.0.1 --port $(ORCID_MOCK_PORT) --require-nonce true \
		2>/dev/null & MOCK=$$!; trap 'kill $$MOCK' EXIT INT TERM; \
	ORCID_CLIENT_ID=local-demo ORCID_CLIENT_SECRET=local-demo ORCID_BASE_URL=http://127.0.0.1:$(ORCID_MOCK_PORT) \
		$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# After changing messages in code or templates: extract them, merge them into every catalog (new ones empty, to
# be translated; tests/test_translations.py fails until they are), compile. README: "Adding a language".
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext -k lazy_ngettext:1,2 --no-location --sort-output \
		-o journal/translations/messages.pot .
	$(BIN)/pybabel update -i journal/translations/messages.pot -d journal/translations --no-fuzzy-matching --ignore-obsolete \
		--width 120
	$(BIN)/pybabel compile -d journal/translations --statistics

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

# The cluster test (tests/test_cluster.py, scripts/cluster.py) puts HAProxy in front of the app nodes.
cluster-deps:
	@command -v haproxy >/dev/null || apt-get install -y -q haproxy >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q haproxy >/dev/null 2>&1; } \
		|| echo "*** 'apt-get install -y haproxy' failed: the cluster test (tests/test_cluster.py) will be SKIPPED ***"

# wrk drives scripts/bench_pages.py (the readers' pages under gunicorn). Never fails: without it the benchmark's smoke
# test (tests/test_bench_pages.py) is SKIPPED, naming wrk.
bench-deps:
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -q wrk >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q wrk >/dev/null 2>&1; } \
		|| echo "*** 'apt-get install -y wrk' failed: the load benchmark's smoke test (tests/test_bench_pages.py) will be SKIPPED ***"

# LaTeX submissions (journal/latex/): TeX Live compiles them and LaTeXML makes the HTML full text, each inside a
# bubblewrap sandbox. Never fails: without them the LaTeX tests are SKIPPED, naming what is missing, and the files
# step offers only PDF uploads. (About 1.5 GB; `make run` does not need them.)
LATEX_PACKAGES := ghostscript texlive-latex-extra texlive-plain-generic texlive-bibtex-extra texlive-publishers texlive-science latexmk biber latexml bubblewrap
latex-deps:
	@command -v latexmk >/dev/null && command -v latexml >/dev/null && command -v bwrap >/dev/null && command -v gs >/dev/null \
		&& kpsewhich aastex631.cls >/dev/null && kpsewhich epsf.sty >/dev/null && kpsewhich biblatex.sty >/dev/null \
		|| apt-get install -y -q --no-install-recommends $(LATEX_PACKAGES) >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $(LATEX_PACKAGES) >/dev/null 2>&1; } \
		|| echo "*** 'apt-get install -y $(LATEX_PACKAGES)' failed: the LaTeX tests (compiling, sandbox, HTML full text) will be SKIPPED ***"

test: install-test browser-deps bench-deps cluster-deps fonts latex-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .cache tests/e2e/artifacts
