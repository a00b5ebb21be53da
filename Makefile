# Two commands do all the set-up on a fresh clone: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
EVAL_SET ?= ../shared/agent-eval/dev_set.json

.PHONY: install run chat test lint bench chaos eval clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# The ASGI application under uvicorn, as in production (streamed replies), reloading on edits.
run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python -m uvicorn config.asgi:application --host 127.0.0.1 --port $${PORT:-8000} \
		--reload $(foreach app,accounts chat config todos,--reload-dir $(app))

# The terminal chat: make chat CHAT_USER=<username> [CONVERSATION=<conversation id>] (DEBUG=1 like `make run`).
chat: install
	@test -n "$(CHAT_USER)" || { echo "usage: make chat CHAT_USER=<username> [CONVERSATION=<conversation id>]"; exit 2; }
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input --verbosity 0
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py chat --user '$(CHAT_USER)' $(if $(CONVERSATION),--conversation '$(CONVERSATION)')

lint: install
	$(BIN)/ruff check .
	SECRET_KEY=$${SECRET_KEY:-mypy-check-key} $(BIN)/mypy .
	SECRET_KEY=$${SECRET_KEY:-makemigrations-check-key} $(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/run.py

# Fault injection under load: its own PostgreSQL (restarted, stopped 5 s), gunicorn (a worker killed).
chaos: install
	$(BIN)/python bench/chaos.py

# Scores the offline agent on EVAL_SET (make eval EVAL_SET=path/to/set.json for another file).
eval: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py evaluate_agent $(EVAL_SET) --backend offline --min-score $${MIN_SCORE:-0.95}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
