"""review_assignments

Revision ID: 0004_review_assignments
Revises: 0003_decisions
Create Date: 2026-11-21 06:14:05.614535

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_review_assignments'
down_revision = '0003_decisions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('invitee_email', sa.String(length=254), nullable=False),
    sa.Column('invitee_name', sa.String(length=200), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('invited', 'accepted', 'declined', 'submitted', 'cancelled', name='assignment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('respond_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('label_number', sa.Integer(), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('suggested_alternatives', sa.Text(), nullable=False),
    sa.Column('proposed_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_review_assignments_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_review_assignments_reviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['review_rounds.id'], name=op.f('fk_review_assignments_round_id_review_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_review_assignments_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_assignments')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_review_assignments_token_hash'))
    )
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_assignments_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignments_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_assignments_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index('uq_review_assignments_round_reviewer_open', ['round_id', 'reviewer_id'], unique=True, sqlite_where=sa.text("status NOT IN ('declined', 'cancelled')"), postgresql_where=sa.text("status NOT IN ('declined', 'cancelled')"))

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('recommendation', sa.Enum('accept', 'minor_revision', 'major_revision', 'reject', name='recommendation', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('comments_to_authors', sa.Text(), nullable=False),
    sa.Column('confidential_comments', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['review_assignments.id'], name=op.f('fk_reviews_assignment_id_review_assignments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_reviews_assignment_id'))
    )


def downgrade():
    op.drop_table('reviews')
    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_review_assignments_round_reviewer_open', sqlite_where=sa.text("status NOT IN ('declined', 'cancelled')"), postgresql_where=sa.text("status NOT IN ('declined', 'cancelled')"))
        batch_op.drop_index(batch_op.f('ix_review_assignments_submission_id'))
        batch_op.drop_index(batch_op.f('ix_review_assignments_status'))
        batch_op.drop_index(batch_op.f('ix_review_assignments_round_id'))
        batch_op.drop_index(batch_op.f('ix_review_assignments_reviewer_id'))

    op.drop_table('review_assignments')
