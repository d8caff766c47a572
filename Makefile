# The two commands of the README: `make demo` serves the example, `make test` runs the suite.
# Both build the virtual environment on first use (only python3 is needed).
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint graphiql bench-cursor bench-events bench bench-legacy bench-slow bench-fanout bench-quick bench-profile bench-calls

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

# The comparison of issue 14 (see benchmarks/README.md): legacy messages and GraphQL POSTs vs rest_framework_channels
# 0.0.7, djangochannelsrestframework 1.3.0, a consumer floor and plain Strawberry (SQLite, in-process and on uvicorn),
# then on PostgreSQL (+ Redis) one slow query vs 20 readers and a 1,000-subscriber fan-out; benchmarks/results.png.
# PostgreSQL at 127.0.0.1:5432 (databases bench_*) and Redis DB 2 for the last two: without them those two fail
# and the rest still runs.
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $@ $(VENV)/.test-installed $(VENV)/.demo-installed

bench: $(VENV)/.bench-installed
	-$(PY) benchmarks/slow_query.py
	-$(PY) benchmarks/fanout.py
	$(PY) benchmarks/legacy_vs_drf.py

bench-legacy: $(VENV)/.bench-installed
	$(PY) benchmarks/legacy_vs_drf.py

bench-slow: $(VENV)/.bench-installed
	$(PY) benchmarks/slow_query.py

bench-fanout: $(VENV)/.bench-installed
	$(PY) benchmarks/fanout.py

# Every benchmark with small sizes (a smoke run of a few minutes, not a measurement).
bench-quick: $(VENV)/.bench-installed
	-$(PY) benchmarks/slow_query.py --quick
	-$(PY) benchmarks/fanout.py --quick
	$(PY) benchmarks/legacy_vs_drf.py --quick --idle 200

# cProfile of gql_channels' side of each scenario of legacy_vs_drf.py (in-process; add --socket for the server).
bench-profile: $(VENV)/.bench-installed
	$(PY) benchmarks/profile_gql.py

# Python function calls per legacy message, gql_channels vs rest_framework_channels vs the consumer floor (a count:
# the same on a busy machine).
bench-calls: $(VENV)/.bench-installed
	$(PY) benchmarks/call_counts.py
