"""the current review round's figures stored on submissions, for the editorial queue

"Needs my action", the overdue filter, the text search and the editors' start page asked, per submission, how many
reviewers of the current round were invited, accepted and submitted, whether a due-date request or a
recommendation waits and whether a review is late. Grouped subqueries computed these in every statement and
PostgreSQL misestimated their rows some 80 times at 50,000 submissions. The figures become columns of
`submissions`, filled here from the rows (the same rule as journal/models/review_facts.py, which keeps them after
every flush), with an index for the overdue filter (journal, status, when the first open review is late).

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

COUNTS = ['reviews_invited', 'reviews_accepted', 'reviews_submitted', 'due_date_requests']
CURRENT_ROUND = ("FROM review_assignments ra JOIN review_rounds rr ON rr.id = ra.round_id "
                 "WHERE ra.submission_id = submissions.id AND rr.number = submissions.current_round")
OPEN = "ra.status IN ('invited', 'accepted')"
# Written out rather than imported from the models, so that this migration keeps its meaning when they change.
BACKFILL = f"""
UPDATE submissions SET
  reviews_invited = (SELECT count(*) {CURRENT_ROUND} AND ra.status IN ('invited', 'accepted', 'submitted')),
  reviews_accepted = (SELECT count(*) {CURRENT_ROUND} AND ra.status = 'accepted'),
  reviews_submitted = (SELECT count(*) {CURRENT_ROUND} AND ra.status = 'submitted'),
  due_date_requests = (SELECT count(*) {CURRENT_ROUND} AND {OPEN} AND ra.proposed_due_at IS NOT NULL),
  reviews_late_from = (SELECT min(CASE WHEN ra.status = 'accepted' THEN ra.due_at ELSE ra.respond_by END)
                       {CURRENT_ROUND} AND {OPEN}),
  recommendation_pending = EXISTS (SELECT 1 FROM editor_recommendations er
                                   WHERE er.submission_id = submissions.id AND er.status = 'pending')
WHERE EXISTS (SELECT 1 FROM review_rounds r WHERE r.submission_id = submissions.id)
   OR EXISTS (SELECT 1 FROM editor_recommendations e WHERE e.submission_id = submissions.id)
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


def downgrade():
    op.drop_index('ix_submissions_reviews_late', table_name='submissions')
    with op.batch_alter_table('submissions') as batch:
        for name in ['recommendation_pending', 'reviews_late_from', *reversed(COUNTS)]:
            batch.drop_column(name)
