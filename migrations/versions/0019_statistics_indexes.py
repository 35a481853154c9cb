"""indexes for the journal's statistics page

The statistics (journal/services/statistics.py) find each kind of event of a period through an index on its time
(chosen from EXPLAIN ANALYZE on PostgreSQL with 50,000 submissions, scripts/bench_statistics.py --explain): a
journal's sendings to review, withdrawals and publications in the audit trail by journal, action and time; the
decisions by time; the submissions received by journal and submission time (and the journal's first year); the
reviews by the time they were submitted and the invitations by the time they were sent (with five years of history
PostgreSQL still scans the table for a year's invitations, a fifth of them; the index serves shorter periods and
longer histories).

Revision ID: 0019_statistics_indexes
Revises: 0018_continuous_publishing
Create Date: 2026-12-06 02:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_statistics_indexes'
down_revision = '0018_continuous_publishing'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_audit_events_journal_action', 'audit_events', ['journal_id', 'action', 'created_at']),
    ('ix_decisions_created', 'decisions', ['created_at']),
    ('ix_submissions_journal_submitted', 'submissions', ['journal_id', 'submitted_at']),
    ('ix_review_assignments_created', 'review_assignments', ['created_at']),
    ('ix_review_assignments_completed', 'review_assignments', ['completed_at']),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
