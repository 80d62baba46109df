# @沈阳营商 assistant. `make run` and `make test` do everything on a fresh clone; `make help` lists the rest.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RASA := $(BIN)/rasa
export PYTHONHASHSEED := 0
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

DB_STAMP := var/.db-ready
DICT := var/jieba/userdict.txt
LOOKUPS := data/nlu/generated/lookups.yml data/nlu/generated/catalogue.yml
MODEL := models/syb.tar.gz
RASA_SOURCES := config.yml domain.yml $(shell find data -name '*.yml' -not -path 'data/nlu/generated/*' 2>/dev/null)
BOT_SOURCES := $(shell find bot -name '*.py' -o -name '*.yml' 2>/dev/null)

.PHONY: help setup run shell test unit validate e2e eval bench lock clean chromium
.DEFAULT_GOAL := help

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(VENV)/.installed: requirements.txt
	@PY310=$$(scripts/find-python.sh) || exit 1; \
	  [ -x $(PY) ] || $$PY310 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip<25" wheel
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip check
	touch $@

setup: $(VENV)/.installed  ## create .venv (Python 3.10) and install the pinned dependencies

$(DB_STAMP): $(VENV)/.installed bot/directory/sample.py bot/directory/sample_units.yml $(wildcard bot/directory/catalogue/*.yml) $(wildcard bot/db/*.py) \
  bot/policies/importer.py $(wildcard bot/policies/sample/*.yml)
	$(PY) -m bot init-db
	@touch $@

$(DICT) $(LOOKUPS) &: $(DB_STAMP) $(wildcard bot/nlp/*.py)
	$(PY) -m bot build-dict --lookups data/nlu/generated/lookups.yml

$(MODEL): $(VENV)/.installed $(RASA_SOURCES) $(DICT) $(LOOKUPS)
	@mkdir -p models var
	/usr/bin/time -f "训练用时 %e 秒，峰值内存 %M KB" $(RASA) train --fixed-model-name syb --out models --quiet
	@touch $@

train: $(MODEL)  ## train the model if it is missing or stale

run: $(MODEL)  ## set up, build the database, train if needed, start everything
	$(PY) -m bot serve

shell: $(MODEL)  ## chat in the terminal (starts the action server too)
	@eval "$$($(PY) -m bot env)"; \
	  $(PY) -m bot action-server >var/actions-shell.log 2>&1 & pid=$$!; \
	  trap "kill $$pid" EXIT; $(RASA) shell --model $(MODEL) --endpoints endpoints.yml

validate: $(DICT) $(LOOKUPS)  ## rasa data validate (must be clean) and NLU entity alignment
	$(RASA) data validate --fail-on-warnings --quiet
	$(PY) scripts/check_alignment.py --dict var/jieba data/nlu tests/nlu

unit: $(DICT)  ## pytest without the Rasa servers
	$(BIN)/pytest -q tests/unit

chromium:  ## Debian's Chromium for the browser tests (installed once)
	@scripts/ensure-chromium.sh

test: $(MODEL) chromium  ## set up if needed and pass every test
	$(MAKE) --no-print-directory validate
	$(BIN)/pytest -q tests
	eval "$$($(PY) -m bot env)"; $(RASA) test core --model $(MODEL) --stories tests/e2e --fail-on-prediction-errors --out results/e2e

eval: $(MODEL)  ## NLU on the held-out split (intents, entities); policy answers by question type; "who do I contact" through the real servers
	$(PY) scripts/eval_nlu.py
	$(PY) -m bot eval-policies
	$(PY) scripts/eval_contact.py --serve tests/integration/contact_queries.yml

bench: $(MODEL)  ## benchmarks: search latency, training time, turn latency, memory
	$(PY) benchmarks/run_all.py

lock:  ## re-pin requirements.txt from requirements.in
	$(BIN)/pip install -r requirements.in && $(BIN)/pip freeze --exclude-editable > requirements.txt

clean:  ## remove generated files (keeps .venv)
	rm -rf var models results data/nlu/generated
