# The two commands of the README: `make demo` serves the example, `make test` runs the suite.
# Both build the virtual environment on first use (only python3 is needed).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint graphiql bench-cursor bench-events bench

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.demo-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.demo-installed

graphiql: $(VENV)/.demo-installed
	$(PY) manage.py gql_channels_graphiql

demo: $(VENV)/.demo-installed graphiql
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  GraphiQL and GraphQL over HTTP:      http://$(HOST):$(PORT)/graphql/"
	@echo "  GraphQL over WebSocket (+ legacy):   ws://$(HOST):$(PORT)/graphql/"
	@echo "  Legacy action protocol (WebSocket):  ws://$(HOST):$(PORT)/ws/"
	@echo ""
	$(PY) -m uvicorn example_project.asgi:application --host $(HOST) --port $(PORT) --lifespan off

test: $(VENV)/.test-installed graphiql
	$(PY) -m pytest

# The package says it is typed (py.typed): mypy with django-stubs on gql_channels/, ruff on everything (pyproject.toml).
lint: $(VENV)/.test-installed
	$(PY) -m ruff check .
	$(PY) -m mypy

# Deep cursor pages vs the first page on 1,000,000 rows (keyset pagination; see benchmarks/).
bench-cursor: $(VENV)/.demo-installed
	$(PY) benchmarks/cursor_depth.py --rows 1000000 --rounds 30

# Event latency across two server processes on PostgreSQL + Redis (see benchmarks/).
bench-events: $(VENV)/.test-installed
	$(PY) benchmarks/event_latency.py --writes 300

# Legacy messages through gql_channels vs rest_framework_channels 0.0.7, in-process and on uvicorn (see benchmarks/).
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.test-installed $(VENV)/.demo-installed

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/legacy_vs_drf.py
