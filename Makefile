# The README's two commands are `make run` and `make test`; CI runs `make test` (.ci/run).
# Both install first (quick when nothing changed), so each works on a fresh clone. `make run`
# installs only what running needs, inside the project; `make test` also installs the Debian
# packages the tests need (Chromium, nginx) with apt, which needs root.

PY := .venv/bin/python
RASA := PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore .venv-rasa/bin/rasa
RASA_PY := PYTHONPATH=. RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 PYTHONWARNINGS=ignore .venv-rasa/bin/python
RASA_DATA := data/nlu data/rules
# Training prints a progress bar per epoch; logs are easier to read without them.
export TQDM_DISABLE := 1

.PHONY: help install test-packages run run-production shell admin train test lint typecheck validate pytest unit lock evaluate calibrate compare crossval bench bench-train fuzz

help:
	@echo "make run    install, train if needed, start the Rasa server (5005), action server (5055)"
	@echo "           and web app (8000); their full logs go to var/log/"
	@echo "make test   install (also Debian's chromium and nginx, with apt), then lint, validate"
	@echo "           the Rasa data and run every test"
	@echo "make run-production  2 Rasa + 2 action servers behind nginx, PostgreSQL, Redis (local;"
	@echo "                     installs Debian's nginx with apt if needed)"
	@echo "make shell  chat in the terminal (rasa shell, with a real action server)"
	@echo "make admin  create a staff console admin (ADMIN=name, asks for the password)"
	@echo "make train  train the model if its inputs changed"
	@echo "make unit   the tests that need no running servers (quick)"
	@echo "make evaluate  the running product on the frozen triage set, the frozen NLU test split"
	@echo "               and the real-world yardstick, in one run (results/evaluate.md)"
	@echo "make calibrate the fallback threshold, from the calibration split (results/calibration.txt)"
	@echo "make compare   NLU pipelines: training time, frozen test split, yardstick (results/compare.md)"
	@echo "make crossval  5-fold cross-validation grouped by source page"
	@echo "make bench     benchmarks: NLU vs baselines, triage, load, memory (bench/results/)"
	@echo "make bench-train  training from nothing, run command and console (bench/results/)"
	@echo "make fuzz      10,000 generated inputs to the patient webhook (bench/results/fuzz.json)"
	@echo "make lock   regenerate requirements/*.lock from requirements/*.in"

install:
	@tools/install.sh

# Debian's Chromium for the browser tests and nginx for the production tests (apt, as root).
test-packages:
	@tools/install-debian-packages.sh chromium nginx

run: install
	$(PY) -m clinic_assistant run

# The production topology on this machine, against the PostgreSQL and Redis running here.
# Every setting can be overridden from the environment; RASA_API_TOKEN is made up for the run
# when it is not set (the HTTP API is only reachable with it).
run-production: export CLINIC_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/clinic_assistant
run-production: export CLINIC_TRACKER_URL ?= postgresql://postgres@127.0.0.1:5432/clinic_tracker
run-production: export CLINIC_REDIS_URL ?= redis://127.0.0.1:6379/0
run-production: install
	@tools/install-debian-packages.sh nginx
	RASA_API_TOKEN="$${RASA_API_TOKEN:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')}" \
	  $(PY) -m clinic_assistant run-production

shell: install
	$(PY) -m clinic_assistant shell

# The first admin of the staff console: make admin ADMIN=jane.doe (asks for a password).
ADMIN ?= admin
admin: install
	$(PY) -m clinic_assistant create-admin --username $(ADMIN)

train: install
	$(PY) -m clinic_assistant train

test: install test-packages lint typecheck validate pytest

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The product packages (pyproject.toml [tool.mypy]); clinic_nlu runs in the Rasa environment.
typecheck:
	$(PY) -m mypy

validate:
	$(RASA) data validate --fail-on-warnings --data $(RASA_DATA) --domain domain.yml --config config.yml

pytest:
	$(PY) -m pytest

unit: install
	$(PY) -m pytest -m "not conversation and not browser and not production"

lock: install
	tools/lock.sh

# The frozen sets and the yardstick are only ever measured: nothing is fitted on them.
evaluate: train
	$(PY) -m clinic_assistant.evaluation --out results/evaluate

# The fallback threshold is chosen on the calibration split (pages of its own), never on the
# frozen test split or the yardstick; config.yml records the value it gave.
calibrate: train
	$(RASA_PY) -m clinic_nlu.evaluation.intents models/clinic.tar.gz tests/nlu/real_calibration.yml --out results/calibration

compare: install
	$(RASA_PY) -m clinic_nlu.evaluation.compare --out results/compare

crossval: install
	$(RASA_PY) -m clinic_nlu.evaluation.crossval --out results/crossval

# Benchmarks, separate from the tests; bounded in time, loopback only. Report: bench/results/.
bench: install
	timeout 3600 $(PY) -m bench.run

# Training from nothing (a fresh copy of the project: no spaCy pipeline, model or cache) by the
# run command and by the console's command, against the 90 s target; records the load.
bench-train: install
	timeout 1200 $(PY) -m bench.train_time

# Hypothesis sends 10,000 generated inputs to the running webhook: no 5xx, the reply contract,
# stored once, red flags triaged (bench/fuzz.py). Separate from the tests; loopback only.
fuzz: install
	timeout 5400 $(PY) -m bench.fuzz --examples 10000
