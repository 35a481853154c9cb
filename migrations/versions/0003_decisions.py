"""decisions

Revision ID: 0003_decisions
Revises: 0002_submission_wizard
Create Date: 2026-11-21 06:06:29.184526

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_decisions'
down_revision = '0002_submission_wizard'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('desk_reject', 'accept', 'minor_revision', 'major_revision', 'reject', name='decision_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('letter', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_decisions_editor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_decisions_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_submission_id'))

    op.drop_table('decisions')
