# Two commands for a newcomer: `make demo` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOG    := $(VENV)/install.log
DEMO_OUT ?= demo-out
# Tests run on SQLite, then on PostgreSQL (a throwaway database per run).
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: demo test test-sqlite test-postgres install lint bench clean

# First run: one line saying what is installed and about how long it takes; pip's own output (and the
# setuptools banners of an editable build) goes to a log that is shown only if the install fails.
$(STAMP): pyproject.toml
	@if [ -x $(BIN)/python ]; then \
	  echo "==> pyproject.toml changed: updating $(VENV) (log: $(LOG))"; \
	else \
	  echo "==> First run: installing Signalroom and its dependencies (Slack Bolt, SQLAlchemy, scikit-learn, matplotlib ...) into $(VENV), about 2 minutes (log: $(LOG))"; \
	  $(PYTHON) -m venv $(VENV) || exit 1; \
	fi; \
	started=$$(date +%s); \
	if ! { $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]'; } >$(LOG) 2>&1; then \
	  tail -n 30 $(LOG); echo "==> Installing failed (full log: $(LOG))" >&2; exit 1; \
	fi; \
	echo "==> $(VENV) ready in $$(( $$(date +%s) - started )) s"
	@touch $(STAMP)

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
