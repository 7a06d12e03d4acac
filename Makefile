# make run: the app with demo data on SQLite (instance/consult.db) at http://127.0.0.1:5000
# make test: the whole test suite (SQLite; PostgreSQL and the browser tests when available)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	CONSULT_DEMO=1 $(FLASK) db upgrade
	CONSULT_DEMO=1 $(FLASK) demo-data
	@echo "Consult draait op http://127.0.0.1:5000 . Demo-logins:"
	@CONSULT_DEMO=1 $(FLASK) demo-logins
	CONSULT_DEMO=1 CONSULT_SCHEDULER_INTERVAL_SECONDS=5 $(FLASK) scheduler & \
	  trap 'kill $$!' EXIT INT TERM; \
	  CONSULT_DEMO=1 CONSULT_SESSION_COOKIE_SECURE=false $(FLASK) run --host 127.0.0.1 --port 5000

# Two passes: everything on SQLite (with the browser tests), then everything but the
# browser tests on PostgreSQL (skipped with a message when none answers, unless CI=true).
test: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider
	CONSULT_TEST_DB=postgresql $(BIN)/python -m pytest -p no:cacheprovider -m "not e2e"

# Benchmarks B1-B5 (not part of `make test`) on SQLite and PostgreSQL against gunicorn;
# prints one table (also written to instance/bench-last.md). Needs wrk (a Debian package).
bench: $(STAMP)
	@command -v wrk >/dev/null || { if [ "$$(id -u)" -eq 0 ]; then apt-get install -y -qq wrk; \
	  else sudo apt-get install -y -qq wrk; fi; }
	$(BIN)/python -m tests.bench.bench_run

lint: $(STAMP)
	$(BIN)/ruff check consult tests

clean:
	rm -rf $(VENV) instance
