"""Patients' thumbs up / down on an answer, from the widget (clinic_assistant.learning.feedback).

Like the patient's other requests (routes/patient.py), only the holder of the conversation's
secret can rate its answers, from the clinic's own pages, in JSON.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from clinic_assistant.learning.feedback import FeedbackError, FeedbackService
from clinic_assistant.web.context import web
from clinic_assistant.web.routes.patient import _holder

router = APIRouter(prefix="/patient")


@router.post("/feedback")
async def feedback(request: Request) -> JSONResponse:
    sender = await _holder(request)
    body = await request.json()
    fields = {name: body.get(name) for name in ("message_id", "answer_id", "rating", "comment")}
    if not all(isinstance(fields[name], str) for name in ("message_id", "answer_id", "rating")):
        return JSONResponse({"error": "Send message_id, answer_id and rating."}, status_code=400)
    comment = fields["comment"] if isinstance(fields["comment"], str) else ""
    state = web(request)
    try:
        with state.database.unit_of_work() as session:
            FeedbackService(session, state.settings.redact).record(
                sender, fields["message_id"], fields["answer_id"], fields["rating"], comment
            )
    except FeedbackError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse({"recorded": True})
