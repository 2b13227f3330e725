"""a nurse joins the patient's chat: live chats and their messages

Revision ID: 0007_nurse_takeover
Revises: 0006
Create Date: 2026-11-30 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007_nurse_takeover"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_chats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("nurse_username", sa.String(length=80), nullable=False),
        sa.Column("nurse_first_name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_live_chats_conversation_id", "live_chats", ["conversation_id"])
    op.create_index("ix_live_chats_status", "live_chats", ["status"])
    op.create_table(
        "live_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["live_chats.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_live_messages_conversation_id", "live_messages", ["conversation_id"])
    op.create_index("ix_live_messages_chat_id", "live_messages", ["chat_id"])


def downgrade() -> None:
    op.drop_index("ix_live_messages_chat_id", table_name="live_messages")
    op.drop_index("ix_live_messages_conversation_id", table_name="live_messages")
    op.drop_table("live_messages")
    op.drop_index("ix_live_chats_status", table_name="live_chats")
    op.drop_index("ix_live_chats_conversation_id", table_name="live_chats")
    op.drop_table("live_chats")
