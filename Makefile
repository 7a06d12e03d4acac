# make run: the app with demo data on SQLite (instance/consult.db) at http://127.0.0.1:5000
# make test: the whole test suite (SQLite; PostgreSQL and the browser tests when available)
# make check: the quick part for the edit loop (no browser, fuzz or fault tests)
# make test-slow: the fuzz tests with many more examples (nightly)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test check test-slow bench lint install clean

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

PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# `make test` spreads the tests over two pytest-xdist workers; the tests marked `serial`
# (tests/conftest.py: real processes, timing and memory measurements) run after them,
# alone. Measured on this 2-core machine: see the README, "Development".
PARALLEL ?= -n 2

# Two passes: everything on SQLite (with the browser tests), then everything but the
# browser tests on PostgreSQL (skipped with a message when none answers, unless CI=true).
test: $(STAMP)
	$(PYTEST) $(PARALLEL) -m "not serial"
	$(PYTEST) -m serial
	CONSULT_TEST_DB=postgresql $(PYTEST) $(PARALLEL) -m "not e2e and not serial"
	CONSULT_TEST_DB=postgresql $(PYTEST) -m "not e2e and serial"

# The edit loop: SQLite, without the browser, fuzz and fault tests (markers in pyproject).
QUICK := not e2e and not fuzz and not faults
check: $(STAMP)
	$(PYTEST) $(PARALLEL) -m "$(QUICK) and not serial"
	$(PYTEST) -m "$(QUICK) and serial"

# Nightly: the fuzz tests with the "slow" Hypothesis profile, on both databases.
test-slow: $(STAMP)
	HYPOTHESIS_PROFILE=slow $(PYTEST) $(PARALLEL) -m fuzz
	HYPOTHESIS_PROFILE=slow CONSULT_TEST_DB=postgresql $(PYTEST) $(PARALLEL) -m fuzz

# Benchmarks B1-B5 (not part of `make test`) on SQLite and PostgreSQL against gunicorn;
# prints one table (also written to instance/bench-last.md). B1b's load generator is our
# own (tests/bench/bench_pages.py); BENCH_B1B_SECONDS=10 and the like for a shorter try.
bench: $(STAMP)
	$(BIN)/python -m tests.bench.bench_run

lint: $(STAMP)
	$(BIN)/ruff check consult tests

clean:
	rm -rf $(VENV) instance
