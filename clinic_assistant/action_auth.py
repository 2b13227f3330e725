"""The action server answers Rasa only: every call must carry the shared secret.

Without it anyone who can reach port 5055 could post a hand-made tracker and raise a flag, or
read answers the way Rasa does. Rasa sends the secret as a header with every action call
(``action_endpoint.headers`` in endpoints.yml, from ``CLINIC_ACTION_SECRET`` in Rasa's
environment); ``protect`` makes the action server refuse any other request to ``/webhook`` and
``/actions`` with 401. ``/health`` stays open for probes. Without a configured secret every
call is refused: a misconfigured server fails closed, not open.

``clinic_assistant.action_server`` calls ``protect`` on the app it builds in each worker.
"""

from __future__ import annotations

import hmac
import logging

from sanic import Sanic, response
from sanic.request import Request

HEADER = "X-Clinic-Action-Secret"
OPEN_PATHS = ("/health",)
logger = logging.getLogger(__name__)


def caller_allowed(secret: str, offered: str | None) -> bool:
    return bool(secret) and offered is not None and hmac.compare_digest(secret, offered)


def protect(app: Sanic, secret: str) -> None:
    """Refuse every request but the health check that does not carry ``secret``."""
    if not secret:
        logger.error("CLINIC_ACTION_SECRET is not set: every action call will be refused")

    @app.on_request
    async def only_rasa(request: Request):
        if request.path in OPEN_PATHS or caller_allowed(secret, request.headers.get(HEADER)):
            return None
        return response.json({"error": "this server answers the clinic's Rasa servers only"},
                             status=401)  # fmt: skip
