# Two commands for a newcomer: `make demo` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_OUT ?= demo-out
# Tests run on SQLite, then on PostgreSQL (a throwaway database per run).
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: demo test test-sqlite test-postgres install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/signalroom demo --out $(DEMO_OUT)

test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/python -m pytest -q --db=sqlite

test-postgres: $(STAMP)
	$(BIN)/python -m pytest -q --db=postgres --pg-url=$(PG_URL)

bench: $(STAMP)
	@ls bench/*.py | sed 's/^/  /'; echo "run one: $(BIN)/python bench/<name>.py"

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
