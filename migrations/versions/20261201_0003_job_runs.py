"""job_run: what the periodic jobs have done, for /metrics and for running once

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

One row per job (app/models/jobs.py): runs and failures so far, the last of each,
and the minute of the last `flask run-jobs` that ran it, which keeps runs started on
several instances in the same minute from running a job twice (app/jobs.py). The
table starts empty; each job's row appears at its first run.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_run",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("minute", sa.DateTime(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_seconds", sa.Double(), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_run")),
    )


def downgrade():
    op.drop_table("job_run")
