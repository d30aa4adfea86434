# The two commands: `make run` serves the demo town; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# e.g. AUDIT_ARGS="-s osv" where api.osv.dev is reachable (decision 0052).
AUDIT_ARGS ?=

.PHONY: run test lint types arch migrations-check pytest audit bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_demo_if_empty
	$(BIN)/python manage.py collectstatic --noinput -v0
	HOST=$(HOST) PORT=$(PORT) bin/serve

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.dev-installed
	$(BIN)/mypy saohei config

arch: $(VENV)/.dev-installed
	$(BIN)/lint-imports

migrations-check: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemigrations --check --dry-run
	SAOHEI_ENV=production SAOHEI_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-value-for-the-check \
	  SAOHEI_DATA_KEY=k1:00112233445566778899aabbccddeeff SAOHEI_AUDIT_KEY=00112233445566778899aabbccddeeff \
	  SAOHEI_INDEX_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \
	  SAOHEI_BACKUP_KEY=ffeeddccbbaa99887766554433221100 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

pytest: $(VENV)/.dev-installed
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint types arch migrations-check pytest

# Known advisories in the installed packages (pip-audit); not part of `make test`, so a newly
# published advisory never fails unrelated work. A package it could not look up fails it too:
# "no known vulnerabilities" over packages never checked is no answer (docs/security.md).
audit: $(VENV)/.dev-installed
	@out=$$($(BIN)/pip-audit --local --skip-editable --progress-spinner off $(AUDIT_ARGS) 2>&1); rc=$$?; \
	  echo "$$out"; \
	  if echo "$$out" | grep -q "could not be audited"; then \
	    echo "pip-audit: $$(echo "$$out" | grep -c "could not be audited") packages could not be audited"; exit 1; \
	  fi; exit $$rc

bench: $(VENV)/.dev-installed
	$(BIN)/python -m saohei.bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
