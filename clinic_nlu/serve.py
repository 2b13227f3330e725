"""`rasa run` with the HTTP API token taken from the environment, not the command line.

Rasa only accepts ``--auth-token`` as an argument, and a process's arguments can be read by
every user of the machine (``ps``). This starts Rasa's own command line with the token added
inside the process: the visible command line has no secret in it.

Usage: python -m clinic_nlu.serve <arguments of `rasa run`>   (token: RASA_API_TOKEN)
"""

from __future__ import annotations

import os
import sys

from clinic_common.logs import install_log_redaction


def main() -> None:
    install_log_redaction()
    arguments = ["rasa", "run", *sys.argv[1:]]
    token = os.environ.pop("RASA_API_TOKEN", "")
    if token:
        arguments += ["--enable-api", "--auth-token", token]
    sys.argv = arguments
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
