#!/usr/bin/env bash
# Install the Debian packages named, those not installed yet, with apt (as root, or with sudo).
#
#   chromium  the browser tests (Playwright drives it; nothing is downloaded)   make test
#   nginx     the production topology and its tests                           make test,
#                                                                             make run-production
#
# `make run` needs neither, so it never asks for root. Nothing happens when both are there.
set -euo pipefail

say() { printf '==> %s\n' "$*"; }

# Where each package puts the program the project runs.
program() {
  case "$1" in
    chromium) echo /usr/bin/chromium ;;
    nginx) echo /usr/sbin/nginx ;;
    *) echo "error: $0 does not know the Debian package '$1'" >&2; exit 2 ;;
  esac
}

missing=""
for package in "$@"; do
  path=$(program "$package")
  [ -x "$path" ] || missing="$missing $package"
done
[ -n "$missing" ] || exit 0

say "Debian packages:$missing (with apt, as root)"
as_root=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "error: installing$missing needs root: run \`apt-get install$missing\` as root" >&2
    exit 1
  fi
  as_root="sudo"
fi
$as_root apt-get update -qq
# shellcheck disable=SC2086  # one word per package
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $missing >/dev/null
