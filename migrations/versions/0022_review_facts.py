"""the current review round's figures stored on submissions, for the editorial queue

"Needs my action", the overdue filter, the text search and the editors' start page asked, per submission, how many
reviewers of the current round were invited, accepted and submitted, whether a due-date request or a
recommendation waits and whether a review is late. Grouped subqueries computed these in every statement and
PostgreSQL misestimated their rows some 80 times at 50,000 submissions. The figures become columns of
`submissions`, filled here from the rows (the same rule as journal/models/review_facts.py, which keeps them after
every flush), with an index for the overdue filter (journal, status, when the first open review is late), a covering one for
"needs my action" (partial: the two statuses that can need action), and one in status-change order with the status,
for the tabs over all statuses and the counts per status.

Revision ID: 0022_review_facts
Revises: 0021_datestamp_and_trigrams
Create Date: 2026-12-06 18:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0022_review_facts'
down_revision = '0021_datestamp_and_trigrams'
branch_labels = None
depends_on = None

# The columns "needs my action" reads, for the two statuses that can need it: that filter and its counts read the
# index alone. Written out, as the backfill is.
NEEDS_ACTION_COLUMNS = ['journal_id', 'status', 'status_changed_at', 'id', 'handling_editor_id', 'current_round',
                        'reviews_submitted', 'reviews_invited', 'due_date_requests', 'recommendation_pending']
NEEDS_ACTION_WHERE = "status IN ('submitted', 'under_review')"
COUNTS = ['reviews_invited', 'reviews_accepted', 'reviews_submitted', 'due_date_requests']
OPEN = "ra.status IN ('invited', 'accepted')"
# Written out rather than imported from the models, so that this migration keeps its meaning when they change. One
# pass of grouped joins (UPDATE … FROM, SQLite 3.33 and later), not a subquery per submission; only papers with
# review rounds or a waiting recommendation differ from the columns' defaults.
BACKFILL = f"""
UPDATE submissions SET reviews_invited = f.invited, reviews_accepted = f.accepted, reviews_submitted = f.submitted,
       due_date_requests = f.requests, reviews_late_from = f.late_from, recommendation_pending = f.pending
FROM (SELECT s.id AS id, coalesce(c.invited, 0) AS invited, coalesce(c.accepted, 0) AS accepted,
             coalesce(c.submitted, 0) AS submitted, coalesce(c.requests, 0) AS requests, c.late_from AS late_from,
             r.submission_id IS NOT NULL AS pending
      FROM submissions s
      LEFT JOIN (SELECT ra.submission_id AS submission_id,
                        sum(CASE WHEN ra.status IN ('invited', 'accepted', 'submitted') THEN 1 ELSE 0 END) AS invited,
                        sum(CASE WHEN ra.status = 'accepted' THEN 1 ELSE 0 END) AS accepted,
                        sum(CASE WHEN ra.status = 'submitted' THEN 1 ELSE 0 END) AS submitted,
                        sum(CASE WHEN {OPEN} AND ra.proposed_due_at IS NOT NULL THEN 1 ELSE 0 END) AS requests,
                        min(CASE WHEN ra.status = 'accepted' THEN ra.due_at
                                 WHEN ra.status = 'invited' THEN ra.respond_by END) AS late_from
                 FROM review_assignments ra
                 JOIN review_rounds rr ON rr.id = ra.round_id
                 JOIN submissions p ON p.id = ra.submission_id AND rr.number = p.current_round
                 GROUP BY ra.submission_id) c ON c.submission_id = s.id
      LEFT JOIN (SELECT submission_id FROM editor_recommendations WHERE status = 'pending'
                 GROUP BY submission_id) r ON r.submission_id = s.id
      WHERE c.submission_id IS NOT NULL OR r.submission_id IS NOT NULL) f
WHERE submissions.id = f.id
"""


def upgrade():
    with op.batch_alter_table('submissions') as batch:
        for name in COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('reviews_late_from', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('recommendation_pending', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.execute(BACKFILL)
    op.create_index('ix_submissions_reviews_late', 'submissions', ['journal_id', 'status', 'reviews_late_from'])
    op.create_index('ix_submissions_journal_order', 'submissions', ['journal_id', 'status_changed_at', 'id', 'status'])
    op.create_index('ix_submissions_needs_action', 'submissions', NEEDS_ACTION_COLUMNS,
                    sqlite_where=sa.text(NEEDS_ACTION_WHERE), postgresql_where=sa.text(NEEDS_ACTION_WHERE))


def downgrade():
    for name in ('ix_submissions_needs_action', 'ix_submissions_journal_order', 'ix_submissions_reviews_late'):
        op.drop_index(name, table_name='submissions')
    with op.batch_alter_table('submissions') as batch:
        for name in ['recommendation_pending', 'reviews_late_from', *reversed(COUNTS)]:
            batch.drop_column(name)
