# recruit: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Running needs only the project's dependencies; linting and testing add the dev extras.
RUN_STAMP := $(VENV)/.installed-run-stamp
DEV_STAMP := $(VENV)/.installed-dev-stamp
# `make run DEMO_PASSWORD=...` (or DEMO_PASSWORD in the environment) sets the demo recruiter's
# password: command-line variables reach `flask seed-demo` through the environment. Without it,
# seed-demo keeps the password in instance/demo-recruiter-password, generating one at first.
export FLASK_APP := recruit

.PHONY: install install-dev assets migrate seed run worker beat test lint typecheck pytest faults bench audit screenshots clean

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(RUN_STAMP) ## Create the virtual environment and install what running needs

install-dev: $(DEV_STAMP) ## Also install the development extras (pytest, ruff, mypy, ...)

assets: ## Install GOV.UK Frontend from npm and build our branded CSS and JS
	bash scripts/build_assets.sh

migrate: install ## Bring the database schema up to date
	$(BIN)/flask db upgrade

seed: migrate ## Load the demo vacancies and the demo recruiter (DEMO_PASSWORD=... to choose)
	$(BIN)/flask seed-demo

run: install assets seed ## Serve on http://127.0.0.1:5000 with a worker and a scheduler
	$(BIN)/python scripts/run_local.py

worker: install ## Run only a Celery worker (uses the same RECRUIT_* settings as the web)
	$(BIN)/celery -A worker.main worker --loglevel=INFO

beat: install ## Run only the Celery beat scheduler (run exactly one per deployment)
	$(BIN)/celery -A worker.main beat --loglevel=INFO --schedule instance/celerybeat-schedule

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev ## The suite, spread over every core (tests share no state)
	$(BIN)/pytest -q -n auto

test: lint typecheck pytest ## ruff, mypy and the whole pytest suite

faults: install-dev ## Fault-injection tests (worker, SMTP, Redis and PostgreSQL failures)
	RECRUIT_FAULTS=1 $(BIN)/pytest -q -rxs tests/faults; status=$$?; \
	$(BIN)/python -m tests.faults.report; exit $$status

bench: install-dev ## Every performance figure beside its baseline, in one run (under 15 minutes)
	@# wrk drives the HTTP figures; nginx is the front end of P6 (deploy/nginx.conf). From Debian.
	@missing=$$(for p in wrk nginx; do command -v $$p >/dev/null || [ -x /usr/sbin/$$p ] || echo $$p; done); \
	if [ -n "$$missing" ]; then sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get install -y $$missing || { $$sudo apt-get update && $$sudo apt-get install -y $$missing; }; fi
	timeout --signal=INT --kill-after=60 900 $(BIN)/python -m bench.run

screenshots: install-dev ## Key pages at 1280 px and 375 px into docs/screenshots/ (Debian chromium)
	@# CI=true: a missing chromium, npm, PostgreSQL or Redis fails the run instead of skipping it.
	RECRUIT_SCREENSHOTS=1 CI=true $(BIN)/pytest -q -p no:cacheprovider tests/browser/test_screenshots.py

audit: install-dev ## Check dependencies for known vulnerabilities (needs the network)
	$(BIN)/pip-audit --skip-editable

clean:
	rm -rf $(VENV) node_modules recruit/static/build .mypy_cache .ruff_cache .pytest_cache
