"""learning loop: patient feedback on answers, the inbox of messages to learn from, model
releases

Revision ID: 0008_learning_loop
Revises: 0006
Create Date: 2026-11-30 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008_learning_loop"
down_revision: str | Sequence[str] | None = "0007_nurse_takeover"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.String(length=80), nullable=False),
        sa.Column("answer_version", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("rating", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("message_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "message_id", "answer_id"),
    )
    op.create_index("ix_answer_feedback_conversation_id", "answer_feedback", ["conversation_id"])
    op.create_index("ix_answer_feedback_answer_id", "answer_feedback", ["answer_id"])
    op.create_index("ix_answer_feedback_topic", "answer_feedback", ["topic"])
    op.create_table(
        "inbox_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("predicted_intent", sa.String(length=80), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("held_back", sa.Text(), nullable=False),
        sa.Column("labelled_by", sa.String(length=80), nullable=False),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("turn_id"),
    )
    op.create_index("ix_inbox_items_conversation_id", "inbox_items", ["conversation_id"])
    op.create_index("ix_inbox_items_status", "inbox_items", ["status"])
    op.create_table(
        "model_releases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_by", sa.String(length=80), nullable=False),
        sa.Column("config", sa.String(length=300), nullable=False),
        sa.Column("reviewed_examples", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("training_seconds", sa.Double(), nullable=True),
        sa.Column("evaluation", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("activation_reason", sa.Text(), nullable=False),
        sa.Column("activated_by", sa.String(length=80), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_model_releases_status", "model_releases", ["status"])


def downgrade() -> None:
    op.drop_index("ix_model_releases_status", table_name="model_releases")
    op.drop_table("model_releases")
    op.drop_index("ix_inbox_items_status", table_name="inbox_items")
    op.drop_index("ix_inbox_items_conversation_id", table_name="inbox_items")
    op.drop_table("inbox_items")
    op.drop_index("ix_answer_feedback_topic", table_name="answer_feedback")
    op.drop_index("ix_answer_feedback_answer_id", table_name="answer_feedback")
    op.drop_index("ix_answer_feedback_conversation_id", table_name="answer_feedback")
    op.drop_table("answer_feedback")
