"""clinical sign-off of answers; how patients see a source described

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("answer_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approved_by", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("approved_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("approval_note", sa.Text(), nullable=False, server_default="")
        )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("description", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "requires_clinical_review",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("requires_clinical_review")
        batch_op.drop_column("description")
    with op.batch_alter_table("answer_versions", schema=None) as batch_op:
        batch_op.drop_column("approval_note")
        batch_op.drop_column("approved_on")
        batch_op.drop_column("approved_by")
