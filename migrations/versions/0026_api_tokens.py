"""personal access tokens for the JSON API

Named, scoped (read or write), expiring and revocable tokens; only the SHA-256 of the secret is stored.

Revision ID: 0026_api_tokens
Revises: 0025_orcid
Create Date: 2026-12-06 21:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0026_api_tokens'
down_revision = '0025_orcid'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('scope', sa.String(length=10), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('last_used_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f('ck_api_tokens_scope_known')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    op.create_index('ix_api_tokens_user_revoked', 'api_tokens', ['user_id', 'revoked_at'], unique=False)


def downgrade():
    op.drop_index('ix_api_tokens_user_revoked', table_name='api_tokens')
    op.drop_table('api_tokens')
