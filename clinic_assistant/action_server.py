"""The action server: rasa-sdk's server with the clinic's start-up and shutdown made explicit.

``python -m rasa_sdk --actions actions`` would serve the actions, but nothing more. This
command builds the same server (rasa-sdk's own ``create_app_for_serve``) and, in each worker
process, calls the clinic's start-up explicitly:

- personal details are redacted from every log line from the first one (``install_log_redaction``);
- only Rasa, holding the shared secret, may call it (``action_auth.protect``);
- the staff-alert worker starts with the server: it first sends what an earlier process left
  pending (an alert queued just before a restart, a retry that was due), then wakes when a
  turn queues an alert and every few seconds for retries; it stops when the server stops.

Usage: python -m clinic_assistant.action_server --port 5055   (rasa-sdk's own arguments)
"""

from __future__ import annotations

import logging
import os
from functools import partial
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic
from sanic.worker.loader import AppLoader

from clinic_assistant import action_auth
from clinic_assistant.app import current
from clinic_common.logs import install_log_redaction

ACTIONS_PACKAGE = "actions"
logger = logging.getLogger(__name__)


def build_app(executor: ActionExecutor, **options: Any) -> Sanic:
    """The server's app, built in the primary process and again in each worker (Sanic's
    ``AppLoader`` calls this module-level factory there)."""
    settings = current().settings
    install_log_redaction(settings.redact)
    app = create_app_for_serve(executor, **options)
    action_auth.protect(app, settings.action_secret)
    app.register_listener(_start_alerts, "after_server_start")
    app.register_listener(_stop_alerts, "before_server_stop")
    return app


async def _start_alerts(_app: Sanic, _loop: Any = None) -> None:
    current().alerts.start()


async def _stop_alerts(_app: Sanic, _loop: Any = None) -> None:
    current().alerts.stop()


def main(argv: list[str] | None = None) -> None:
    args = create_argument_parser().parse_args(argv)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    executor = ActionExecutor()
    executor.register_package(args.actions_module or args.actions or ACTIONS_PACKAGE)
    factory = partial(build_app, executor, cors_origins=args.cors,
                      auto_reload=args.auto_reload, endpoints=args.endpoints)  # fmt: skip
    loader = AppLoader(factory=factory)
    app = loader.load()
    host = os.environ.get("SANIC_HOST", "0.0.0.0")
    logger.info("action server on http://%s:%s", host, args.port)
    app.prepare(host=host, port=args.port, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
