"""Patients' thumbs up / down on an answer, from the widget (clinic_assistant.learning.feedback).

Like the patient's other requests (routes/patient.py), only the holder of the conversation's
secret can rate its answers, from the clinic's own pages, in JSON.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from clinic_assistant.learning.feedback import FeedbackError, FeedbackService
from clinic_assistant.web.context import Db, web
from clinic_assistant.web.routes.patient import Holder, JsonBody

router = APIRouter(prefix="/patient")


@router.post("/feedback")
def feedback(request: Request, sender: Holder, body: JsonBody, session: Db) -> JSONResponse:
    message_id, answer_id, rating = (body.get(n) for n in ("message_id", "answer_id", "rating"))
    if not (isinstance(message_id, str) and isinstance(answer_id, str)
            and isinstance(rating, str)):  # fmt: skip
        return JSONResponse({"error": "Send message_id, answer_id and rating."}, status_code=400)
    comment = body.get("comment")
    try:
        FeedbackService(session, web(request).settings.redact).record(
            sender, message_id, answer_id, rating, comment if isinstance(comment, str) else ""
        )
    except FeedbackError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse({"recorded": True})
