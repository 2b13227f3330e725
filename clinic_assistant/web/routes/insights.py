"""Insights: conversations per day, top topics, fallback rate, flags, unanswered questions."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request

from clinic_assistant.conversation_index import Insights
from clinic_assistant.learning.feedback import FeedbackFigures
from clinic_assistant.web.context import Db, Staff, page

router = APIRouter(prefix="/console")


@router.get("/insights")
def insights(request: Request, staff: Staff, session: Db, days: int = 30):
    days = min(max(days, 1), 365)
    figures = Insights(session).figures(days)
    satisfaction = FeedbackFigures(session)
    satisfaction_topics, satisfaction_answers = (
        satisfaction.per_topic(days), satisfaction.per_answer(days))  # fmt: skip
    # Chart data travels as JSON in a non-executed script element (no inline script under CSP).
    charts = json.dumps({
        "days": figures.days, "topics": figures.top_topics, "flags": figures.flags_by_level,
    })  # fmt: skip
    charts = charts.replace("<", "\\u003c")  # never closes the script element it sits in
    return page(request, "insights.html", staff, figures=figures, charts=charts, days=days,
                satisfaction_topics=satisfaction_topics,
                satisfaction_answers=satisfaction_answers)  # fmt: skip
