"""ORCID review credit

The reviewer's ORCID access token for adding to their record (sealed), and the reviews they agreed to have credited
in the peer-review section of their ORCID record (journal/models/orcid.py).

Revision ID: 0028_orcid_review_credit
Revises: 0027_published_peer_review
Create Date: 2026-12-07 01:01:39.986558

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0028_orcid_review_credit'
down_revision = '0027_published_peer_review'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('orcid_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('orcid', sa.String(length=19), nullable=False),
    sa.Column('scope', sa.String(length=255), nullable=False),
    sa.Column('sealed_token', sa.Text(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_orcid_tokens_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orcid_tokens')),
    sa.UniqueConstraint('user_id', name=op.f('uq_orcid_tokens_user_id'))
    )
    op.create_table('orcid_review_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('agreed', 'sent', 'failed', name='orcid_credit_status', native_enum=False,
                                create_constraint=True, length=32), nullable=False),
    sa.Column('agreed_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.Column('put_code', sa.String(length=20), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['review_assignments.id'],
                            name=op.f('fk_orcid_review_credits_assignment_id_review_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_orcid_review_credits_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orcid_review_credits')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_orcid_review_credits_assignment_id'))
    )
    with op.batch_alter_table('orcid_review_credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orcid_review_credits_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('orcid_review_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orcid_review_credits_user_id'))

    op.drop_table('orcid_review_credits')
    op.drop_table('orcid_tokens')
