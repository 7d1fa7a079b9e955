# The two commands: `make run` (the whole system on this machine) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench faults migrate lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $@

run: $(STAMP)  ## every service's API and worker, Redis, an SMTP sink, demo content
	$(BIN)/python -m devserver

test: $(STAMP)  ## lint and type-check, then the whole suite on SQLite and on PostgreSQL
	$(BIN)/ruff check .
	$(BIN)/mypy shared services devserver bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m tests.on_postgresql $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared services devserver bench

migrate: $(STAMP)  ## bring every service's database to its newest schema revision
	for service in $$($(BIN)/python -c 'from shared.events import SERVICES; print(*SERVICES)'); do \
		$(BIN)/python -m services.$$service.migrate upgrade || exit 1; done

bench: $(STAMP)  ## every speed figure in one run beside Isso and the ceilings (~10 min); BENCH_ARGS="--soak 300" adds a memory soak
	$(BIN)/python -m bench $(BENCH_ARGS)

faults: $(STAMP)  ## the fault suite: a live stack hurt in 13 ways, a table row per case
	$(BIN)/python -m tests.faults $(FAULTS_ARGS)

lock: $(STAMP)  ## re-pin every dependency after editing pyproject.toml (both locks)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 \
		--no-header -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
		--no-header -o requirements-runtime.lock  # the image's: no test or lint tools

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
