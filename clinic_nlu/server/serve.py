"""`rasa run` with the HTTP API token taken from the environment, not the command line.

Rasa only accepts ``--auth-token`` as an argument, and a process's arguments can be read by
every user of the machine (``ps``). This starts Rasa's own command line with the token added
inside the process: the visible command line has no secret in it.

It also bounds what any request may cost the server itself, not only behind nginx (Sanic's
defaults are a 100 MB body and a minute to send the headers): every route refuses a body over
``CLINIC_MAX_BODY_BYTES`` (64 KB) and headers that take longer than ``CLINIC_HEADER_SECONDS``
(10 s) to arrive, and no request is held longer than ``CLINIC_RESPONSE_SECONDS`` (60 s; Rasa's
own default is an hour, which also bounded how long a body could take on the API routes). The
patient webhook also times its body (clinic_nlu.server.channels).

Usage: python -m clinic_nlu.server.serve <arguments of `rasa run`>   (token: RASA_API_TOKEN)
       python -m clinic_nlu.server.serve shell <arguments of `rasa shell`>
"""

from __future__ import annotations

import os
import sys

from clinic_common.logs import install_log_redaction
from clinic_nlu.server import patches
from clinic_nlu.server.settings import ServerSettings


def limit_requests(settings: ServerSettings) -> None:
    """Sanic reads SANIC_* variables into its config when Rasa creates the app."""
    os.environ["SANIC_REQUEST_MAX_SIZE"] = str(settings.max_body_bytes)
    os.environ["SANIC_REQUEST_TIMEOUT"] = f"{settings.header_seconds:g}"


def main() -> None:
    settings = ServerSettings.from_env()
    install_log_redaction(settings.redact)
    limit_requests(settings)
    patches.install()
    if sys.argv[1:2] == ["shell"]:
        # `rasa shell` with the same start-up (no HTTP API: it talks in the terminal).
        sys.argv = ["rasa", *sys.argv[1:]]
        return _rasa_main()
    arguments = ["rasa", "run", *sys.argv[1:]]
    if "--response-timeout" not in arguments:
        arguments += ["--response-timeout", f"{settings.response_seconds:g}"]
    token = os.environ.pop("RASA_API_TOKEN", "")
    if token:
        arguments += api_arguments(token)
    sys.argv = arguments
    _rasa_main()


def api_arguments(token: str) -> list[str]:
    """The HTTP API behind ``token``. Joined with "=": a token may start with "-" (a
    ``secrets.token_urlsafe`` one does once in 64), which argparse would take for an option."""
    return ["--enable-api", f"--auth-token={token}"]


def _rasa_main() -> None:
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
