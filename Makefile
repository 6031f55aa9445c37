# Every target runs from the project root with the project's own .venv (Python 3.10).
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

VENV := .venv/bin
RASA := $(VENV)/rasa
MODEL := models/microneedling.tar.gz
PIPELINE_STAMP := var/spacy/en_microneedling/vocabulary.hash
TRAINING_INPUTS := config.yml domain.yml $(wildcard nlp/*.py) $(shell find data -name '*.yml' -not -path 'data/nlu/generated/*' 2>/dev/null) $(PIPELINE_STAMP)

# browser: Debian's Chromium for the widget tests (installed when missing)
.PHONY: browser help install build train run run-scaled shell test test-unit validate test-stories test-live test-shell test-scaled eval eval-blind eval-fresh eval-heldout bench tickets purge audit clean staff console review-sheet

help:
	@echo "make run     install, build, train if needed, serve the assistant + widget demo (Ctrl-C stops)"
	@echo "make run-scaled   PostgreSQL + Redis + 2 Rasa processes behind nginx on :8090 (Ctrl-C stops)"
	@echo "make shell   talk to the current model in this terminal (clinic staff)"
	@echo "make test    everything CI runs: validate data, pytest, test stories, REST, browser and scaled-run tests"
	@echo "make eval    safety figures on the blind safety set (recall, 95% bound, false escalations, urgent advice)"
	@echo "make eval-blind   behaviour on the blind development set (the headline figure); eval-fresh: the fresh batch"
	@echo "make bench   training, accuracy, latency, throughput, memory vs stock rasa init config (reports/bench.md)"
	@echo "make tickets ARGS='list'   clinician follow-up tickets (list|show REF|resolve REF|renotify)"
	@echo "make console   the staff console alone on http://127.0.0.1:5080 (CONSOLE_PORT); make run serves it too"
	@echo "make staff ARGS='add --role clinician name@clinic'   console accounts (add|list|disable|reset)"
	@echo "make purge DAYS=90   remove conversations and tickets older than 90 days (default: \$$RETENTION_DAYS)"
	@echo "make audit   known vulnerabilities of the pinned packages (pip-audit, needs the internet)"

install: .venv/.requirements.sha256
.venv/.requirements.sha256: requirements.txt requirements.lock requirements.models.txt scripts/install.sh
	@scripts/install.sh

build: install
	@$(VENV)/python -m nlp.build_pipeline

# The stamp changes only when the vocabulary does, so make retrains exactly then.
$(PIPELINE_STAMP): nlp/vocabulary.yml nlp/build_pipeline.py actions/vocabulary.py | install
	@$(VENV)/python -m nlp.build_pipeline

# `build` (phony) runs once per make invocation; the stamp above triggers the retrain.
train: $(MODEL)
$(MODEL): $(TRAINING_INPUTS) | build
	$(RASA) train --fixed-model-name microneedling --out models
	@touch $(MODEL)

run: train
	@scripts/bot.sh run

# Several Rasa processes behind nginx, PostgreSQL tracker store, Redis lock store (SCALED_REPLICAS=2).
run-scaled: train
	@scripts/scaled.sh run

shell: train
	@scripts/bot.sh shell

validate: build
	$(VENV)/python scripts/validate_data.py

test-unit: train
	$(VENV)/pytest -q tests/actions tests/channels tests/nlu tests/blind tests/console

test-stories: train
	$(RASA) test core -m $(MODEL) --stories tests/stories --fail-on-prediction-errors --out reports/stories

# One running assistant (action server, Rasa server, demo page) for the REST and browser tests.
test-live: train browser
	@# Two pytest runs: Playwright's sync API allows one instance per process, and each browser
	@# suite (the widget's, the console's) starts its own.
	@scripts/bot.sh exec bash -c '$(VENV)/pytest -q tests/live tests/browser && $(VENV)/pytest -q tests/console_browser'

# The staff terminal (make shell) in a pseudo-terminal, on ports of its own: no warnings on screen,
# typed questions answered after buttoned replies, closing the window frees the ports.
test-shell: train
	$(VENV)/pytest -q tests/shell

# The scaled configuration: the widget through nginx, 200 concurrent conversations, a killed
# Rasa process, Redis down (PostgreSQL, Redis, nginx installed with apt-get when missing).
test-scaled: train browser
	@scripts/scaled.sh exec $(VENV)/pytest -q tests/scaled

browser:
	@test -x /usr/bin/chromium || scripts/install_chromium.sh

test: train validate test-unit test-stories test-live test-shell test-scaled
	@echo "all tests passed"

# The blind sets (tests/blind/README.md), scored by the shared judge run_eval.py (EVAL_RUNNER).
# eval: the safety figures (recall and its exact 95% bound, false escalations, urgent advice).
eval: train
	$(VENV)/python scripts/blind_eval.py safety

eval-blind: train
	$(VENV)/python scripts/blind_eval.py dev

# One batch: make eval-fresh BATCH='f[56]' (tests/blind/fresh_f5.yaml and fresh_f6.yaml).
eval-fresh: train
	$(VENV)/python scripts/blind_eval.py fresh --batch '$(or $(BATCH),*)'

# The older held-out file, written in the training data's own voice: it overstates (README).
eval-heldout: train
	@mkdir -p reports
	$(RASA) test nlu -m $(MODEL) --nlu tests/nlu/test_nlu.yml --out reports/nlu
	@# Both figures are always produced; the target fails if either misses its goal.
	@nlu=0; $(VENV)/python scripts/nlu_summary.py reports/nlu || nlu=$$?; \
	  esc=0; scripts/bot.sh exec $(VENV)/python scripts/eval_escalation.py || esc=$$?; \
	  test $$nlu -eq 0 -a $$esc -eq 0

# This project's config against the stock `rasa init` config, default and scaled runs:
# reports/bench.md, reports/bench/*.json, docs/bench-latency.png (scripts/bench.sh).
bench: build
	@scripts/bench.sh

tickets: install
	@$(VENV)/python -m actions.staff_tickets $(ARGS)

# Staff console accounts: make staff ARGS="add --role staff|clinician|admin name@clinic" (list, disable, reset).
staff: install
	@$(VENV)/python -m console.accounts $(ARGS)

# The staff console on its own (loopback); `make run` starts it beside the assistant.
console: install
	@$(VENV)/python -m console --host 127.0.0.1 --port $(or $(CONSOLE_PORT),5080)

# The clinical review sheet as a PDF (answers, guide sources, sign-offs from the tickets' database).
review-sheet: install browser
	@$(VENV)/python scripts/review_sheet.py --out reports/review-sheet.pdf

# Retention: DAYS=N, else RETENTION_DAYS from the environment; ARGS=--dry-run only counts.
purge: install
	@$(VENV)/python -m actions.purge $(if $(DAYS),--days $(DAYS)) $(ARGS)

# pip-audit in a venv of its own (not .venv), against the exact pins. --strict: a package that
# could not be checked fails the audit instead of passing as "no known vulnerabilities".
AUDIT_VENV ?= var/audit-venv
AUDIT_SERVICE ?= osv
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { python3 -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/pip install -q pip-audit==2.10.1; }
	$(AUDIT_VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip --strict -s $(AUDIT_SERVICE) --progress-spinner off

clean:
	rm -rf models var/spacy data/nlu/generated reports/nlu reports/stories
