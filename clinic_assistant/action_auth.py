"""The action server answers Rasa only: every call must carry the shared secret.

Without it anyone who can reach port 5055 could post a hand-made tracker and raise a flag, or
read answers the way Rasa does. Rasa sends the secret as a header with every action call
(``action_endpoint.headers`` in endpoints.yml, from ``CLINIC_ACTION_SECRET`` in Rasa's
environment); this rasa-sdk plugin refuses any other request to ``/webhook`` and ``/actions``
with 401. ``/health`` stays open for probes. Without a configured secret every call is
refused: a misconfigured server fails closed, not open.

rasa-sdk builds its Sanic app in each worker and then calls the plugins registered with its
plugin manager; ``actions/__init__.py`` registers this one, since rasa-sdk imports the actions
package in every process that builds the app.
"""

from __future__ import annotations

import hmac
import logging
import os

import pluggy
from sanic import Sanic, response
from sanic.request import Request

HEADER = "X-Clinic-Action-Secret"
OPEN_PATHS = ("/health",)
hookimpl = pluggy.HookimplMarker("rasa_sdk")
logger = logging.getLogger(__name__)


def caller_allowed(secret: str, offered: str | None) -> bool:
    return bool(secret) and offered is not None and hmac.compare_digest(secret, offered)


class ActionSecretPlugin:
    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        secret = os.environ.get("CLINIC_ACTION_SECRET", "")
        if not secret:
            logger.error("CLINIC_ACTION_SECRET is not set: every action call will be refused")

        @app.on_request
        async def only_rasa(request: Request):
            if request.path in OPEN_PATHS or caller_allowed(secret, request.headers.get(HEADER)):
                return None
            return response.json({"error": "this server answers the clinic's Rasa servers only"},
                                 status=401)  # fmt: skip


def register() -> None:
    """Register the plugin with rasa-sdk once per process."""
    from rasa_sdk.plugin import plugin_manager

    manager = plugin_manager()
    if not any(isinstance(p, ActionSecretPlugin) for p in manager.get_plugins()):
        manager.register(ActionSecretPlugin())
