# Every target runs from the project root with the project's own .venv (Python 3.10).
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2

VENV := .venv/bin
RASA := $(VENV)/rasa
MODEL := models/microneedling.tar.gz
PIPELINE_STAMP := var/spacy/en_microneedling/vocabulary.hash
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' -not -path 'data/nlu/generated/*' 2>/dev/null) $(PIPELINE_STAMP)

# browser: Debian's Chromium for the widget tests (installed when missing)
.PHONY: browser help install build train run shell test test-unit validate test-stories test-live eval bench tickets clean

help:
	@echo "make run     install, build, train if needed, serve the assistant + widget demo (Ctrl-C stops)"
	@echo "make shell   talk to the current model in this terminal (clinic staff)"
	@echo "make test    everything CI runs: validate data, pytest, test stories, browser tests"
	@echo "make eval    NLU and escalation figures on the held-out test sets (reports/)"
	@echo "make bench   training time, latency, throughput, memory (reports/bench.json)"
	@echo "make tickets ARGS='list'   clinician follow-up tickets (list|show REF|resolve REF|renotify)"

install: .venv/.requirements.sha256
.venv/.requirements.sha256: requirements.txt requirements.lock scripts/install.sh
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

shell: train
	@scripts/bot.sh shell

validate: build
	$(VENV)/python scripts/validate_data.py

test-unit: train
	$(VENV)/pytest -q tests/actions tests/nlu

test-stories: train
	$(RASA) test core -m $(MODEL) --stories tests/stories --fail-on-prediction-errors --out reports/stories

# One running assistant (action server, Rasa server, demo page) for the REST and browser tests.
test-live: train browser
	@scripts/bot.sh exec $(VENV)/pytest -q tests/live tests/browser

browser:
	@test -x /usr/bin/chromium || scripts/install_chromium.sh

test: train validate test-unit test-stories test-live
	@echo "all tests passed"

eval: train
	@mkdir -p reports
	$(RASA) test nlu -m $(MODEL) --nlu tests/nlu/test_nlu.yml --out reports/nlu
	@# Both figures are always produced; the target fails if either misses its goal.
	@nlu=0; $(VENV)/python scripts/nlu_summary.py reports/nlu || nlu=$$?; \
	  esc=0; scripts/bot.sh exec $(VENV)/python scripts/eval_escalation.py || esc=$$?; \
	  test $$nlu -eq 0 -a $$esc -eq 0

# Training time from scratch, then latency, throughput and memory of the running assistant.
bench: build
	@mkdir -p reports
	@start=$$(date +%s); $(RASA) train --force --fixed-model-name microneedling --out models > var/bench-train.log 2>&1 \
	  && echo "training from scratch: $$(( $$(date +%s) - start )) s" | tee reports/bench-train.txt
	@start=$$(date +%s%N); scripts/bot.sh exec bash -c 'echo "cold start (servers up, model loaded): $$(( ($$(date +%s%N) - '$$start') / 1000000000 )) s"; $(VENV)/python scripts/bench.py'

tickets: install
	@$(VENV)/python -m actions.staff_tickets $(ARGS)

clean:
	rm -rf models var/spacy data/nlu/generated reports/nlu reports/stories
