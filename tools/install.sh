#!/usr/bin/env bash
# Create both environments from the committed lock files, then build the spaCy pipeline.
#
#   .venv       application environment: actions (current rasa-sdk), data layer, tests
#   .venv-rasa  Rasa 3.6.21 and its old pins, resolved for Python 3.11 (docs/rasa-on-python311.md)
#
# Quick and harmless to run again: each step is skipped when its inputs have not changed.
# Nothing is downloaded at run time; everything comes from the package index here.
# Only what `make run` needs, all inside the project: the Debian packages that only the tests
# and the production topology need are installed by tools/install-debian-packages.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

say() { printf '==> %s\n' "$*"; }
digest() { cat "$@" | sha256sum | cut -c1-64; }
up_to_date() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "error: $PYTHON not found; this project needs Python 3.11 (set PYTHON=... to choose one)" >&2
  exit 1
fi
version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then
  echo "error: $PYTHON is Python $version; this project needs Python 3.11" >&2
  exit 1
fi

# --- application environment -------------------------------------------------------------
want=$(digest requirements/bootstrap.lock requirements/app.lock)
if ! up_to_date .venv/.installed "$want"; then
  say "Application environment (.venv) from requirements/app.lock"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  # pip only bootstraps uv; `uv pip sync` later removes it, as it is not in the lock.
  .venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip >/dev/null
  # uv installs both environments from their hashed locks, quickly and exactly.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
    --require-hashes -r requirements/bootstrap.lock
  .venv/bin/uv pip sync --quiet --python .venv/bin/python --require-hashes requirements/app.lock
  echo "$want" > .venv/.installed
fi

# --- Rasa environment --------------------------------------------------------------------
want=$(digest requirements/rasa.lock requirements/rasa-core.lock)
if ! up_to_date .venv-rasa/.installed "$want"; then
  say "Rasa environment (.venv-rasa) from requirements/rasa.lock (first time: a few minutes)"
  [ -x .venv-rasa/bin/python ] || .venv/bin/uv venv --quiet --python "$PYTHON" .venv-rasa
  .venv/bin/uv pip sync --quiet --python .venv-rasa/bin/python --require-hashes \
    requirements/rasa.lock
  # Rasa 3.6 and rasa-sdk 3.6 declare Python <3.11; their dependencies are all in the lock
  # above, so they are installed without resolving dependencies again.
  .venv/bin/uv pip install --quiet --python .venv-rasa/bin/python --no-deps --require-hashes \
    -r requirements/rasa-core.lock
  echo "$want" > .venv-rasa/.installed
fi

# --- the project's spaCy pipeline --------------------------------------------------------
want=$(digest data/entities/patterns.jsonl)
if ! up_to_date build/spacy/clinic_en/patterns.sha256 "$want"; then
  say "spaCy pipeline (build/spacy/clinic_en) from data/entities/patterns.jsonl"
  PYTHONPATH=. TF_CPP_MIN_LOG_LEVEL=3 .venv-rasa/bin/python -W ignore -m clinic_nlu.components.spacy_pipeline \
    data/entities/patterns.jsonl build/spacy/clinic_en
fi

# --- front-end files shipped with the app (no CDN) ---------------------------------------
want=$(digest package.json package-lock.json)
if ! up_to_date node_modules/.installed "$want" || [ ! -f clinic_assistant/web/static/vendor/chart.umd.js ]; then
  say "Front-end files (Chart.js, axe-core) from package-lock.json"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  mkdir -p clinic_assistant/web/static/vendor
  cp node_modules/chart.js/dist/chart.umd.min.js clinic_assistant/web/static/vendor/chart.umd.js
  echo "$want" > node_modules/.installed
fi

say "Installed."
