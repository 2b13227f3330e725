"""Debian's Chromium, driven by Playwright: no browser is downloaded.

One browser for the whole test session (the ``browser`` fixture in tests/conftest.py): the
browser tests and the production tests share it, since Playwright's sync API runs one event
loop per thread.
"""

CHROMIUM = "/usr/bin/chromium"
# As the machine's own probe starts it: no sandbox as root, and no background network calls,
# which this machine's closed network would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
