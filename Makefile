# recruit: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_PASSWORD ?= midlands-demo-recruiter
export FLASK_APP := recruit

.PHONY: install assets migrate seed run worker beat test lint typecheck pytest faults audit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create the virtual environment and install the project

assets: ## Install GOV.UK Frontend from npm and build our branded CSS and JS
	bash scripts/build_assets.sh

migrate: install ## Bring the database schema up to date
	$(BIN)/flask db upgrade

seed: migrate ## Load the demo vacancies and the demo recruiter
	$(BIN)/flask seed-demo --recruiter-password '$(DEMO_PASSWORD)'

run: install assets seed ## Serve on http://127.0.0.1:5000 with a worker and a scheduler
	DEMO_PASSWORD='$(DEMO_PASSWORD)' $(BIN)/python scripts/run_local.py

worker: install ## Run only a Celery worker (uses the same RECRUIT_* settings as the web)
	$(BIN)/celery -A worker.main worker --loglevel=INFO

beat: install ## Run only the Celery beat scheduler (run exactly one per deployment)
	$(BIN)/celery -A worker.main beat --loglevel=INFO --schedule instance/celerybeat-schedule

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install ## The suite, spread over every core (tests share no state)
	$(BIN)/pytest -q -n auto

test: lint typecheck pytest ## ruff, mypy and the whole pytest suite

faults: install ## Fault-injection tests (worker, SMTP, Redis and PostgreSQL failures)
	RECRUIT_FAULTS=1 $(BIN)/pytest -q -rxs tests/faults; status=$$?; \
	$(BIN)/python -m tests.faults.report; exit $$status

audit: install ## Check dependencies for known vulnerabilities (needs the network)
	$(BIN)/pip-audit --skip-editable

clean:
	rm -rf $(VENV) node_modules recruit/static/build .mypy_cache .ruff_cache .pytest_cache
