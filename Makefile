# The few commands a person needs. `make run` and `make test` set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint format migration clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## The product: embedded Temporal (with Web UI), migrations, reference and demo data, worker, API.
run: $(STAMP)
	$(BIN)/motcua run

# The test identity provider (panva/oidc-provider), from the npm registry, pinned by its lock.
OIDC := tests/oidc/node_modules/.installed-stamp
$(OIDC): tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund --silent
	touch $(OIDC)

## The whole suite, on the real Temporal dev server and the real PostgreSQL at 127.0.0.1:5432.
test: $(STAMP) $(OIDC)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## A new Alembic revision generated against PostgreSQL: make migration m="what changed"
migration: $(STAMP)
	$(BIN)/python -m db.revision "$(m)"

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache *.egg-info
