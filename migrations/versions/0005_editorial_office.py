"""editorial office: recommendations, reminders, review handling and ratings, queue index

Revision ID: 0005_editorial_office
Revises: 0004_review_assignments
Create Date: 2026-11-21 07:26:24.343615

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_editorial_office'
down_revision = '0004_review_assignments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('editor_recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('desk_reject', 'accept', 'minor_revision', 'major_revision', 'reject', name='decision_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('letter', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'changed', 'withdrawn', name='recommendation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_editor_recommendations_decision_id_decisions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_editor_recommendations_editor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_editor_recommendations_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_editor_recommendations_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_editor_recommendations'))
    )
    with op.batch_alter_table('editor_recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_editor_recommendations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_editor_recommendations_submission_id'), ['submission_id'], unique=False)

    op.create_table('sent_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['review_assignments.id'], name=op.f('fk_sent_reminders_assignment_id_review_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_sent_reminders_submission_id_submissions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sent_reminders_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_reminders')),
    sa.UniqueConstraint('key', name=op.f('uq_sent_reminders_key'))
    )
    with op.batch_alter_table('sent_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_reminders_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sent_reminders_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sent_reminders_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contributors_email'), ['email'], unique=False)

    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('editors_recommend_only', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reviewers_see_reviews', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('reminder_days', sa.JSON(), nullable=False,
                                      server_default='{"respond_by": [-2, 2], "due": [-7, -1, 3, 10]}'))

    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('return_request', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rating_timeliness', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rating_quality', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_assignments_rated_by_id_users'), 'users', ['rated_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint('rating_timeliness_range', 'rating_timeliness between 1 and 5')
        batch_op.create_check_constraint('rating_quality_range', 'rating_quality between 1 and 5')

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_with_authors', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('corrected_comments', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('corrected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('consent_to_name', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_reviews_corrected_by_id_users'), 'users', ['corrected_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index('ix_submissions_queue', ['journal_id', 'status', 'status_changed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_submissions_queue')

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reviews_corrected_by_id_users'), type_='foreignkey')
        batch_op.drop_column('consent_to_name')
        batch_op.drop_column('corrected_at')
        batch_op.drop_column('corrected_by_id')
        batch_op.drop_column('corrected_comments')
        batch_op.drop_column('shared_with_authors')

    with op.batch_alter_table('review_assignments', schema=None) as batch_op:
        batch_op.drop_constraint('rating_quality_range', type_='check')
        batch_op.drop_constraint('rating_timeliness_range', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_review_assignments_rated_by_id_users'), type_='foreignkey')
        batch_op.drop_column('rated_at')
        batch_op.drop_column('rated_by_id')
        batch_op.drop_column('rating_quality')
        batch_op.drop_column('rating_timeliness')
        batch_op.drop_column('return_request')
        batch_op.drop_column('returned_at')

    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_column('reminder_days')
        batch_op.drop_column('reviewers_see_reviews')
        batch_op.drop_column('editors_recommend_only')

    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contributors_email'))

    with op.batch_alter_table('sent_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_reminders_user_id'))
        batch_op.drop_index(batch_op.f('ix_sent_reminders_submission_id'))
        batch_op.drop_index(batch_op.f('ix_sent_reminders_assignment_id'))

    op.drop_table('sent_reminders')
    with op.batch_alter_table('editor_recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_editor_recommendations_submission_id'))
        batch_op.drop_index(batch_op.f('ix_editor_recommendations_status'))

    op.drop_table('editor_recommendations')
