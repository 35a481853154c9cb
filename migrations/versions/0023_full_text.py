"""the HTML full text of articles (issue 17)

`full_texts`: one run of making an article's HTML full text in production, from its LaTeX source (LaTeXML) or a
JATS XML: the source kept in storage, the state, and the sanitised HTML with its table of contents;
`full_text_figures`: its figures, each a stored object; `article_versions.full_text_id`: the run a version shows.

Revision ID: 0023_full_text
Revises: 0022_review_facts
Create Date: 2026-12-06 21:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0023_full_text'
down_revision = '0022_review_facts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('full_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('latex', 'jats', name='full_text_source', native_enum=False, create_constraint=True,
                                length=32), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', name='full_text_status',
                                native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source_key', sa.String(length=255), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('main', sa.String(length=255), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('toc', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('log', sa.Text(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', UTCDateTime(), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=True),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_full_texts_article_id_articles'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_full_texts_requested_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_full_texts'))
    )
    with op.batch_alter_table('full_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_full_texts_article_id'), ['article_id'], unique=False)
    op.create_table('full_text_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_text_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('storage_key', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['full_text_id'], ['full_texts.id'], name=op.f('fk_full_text_figures_full_text_id_full_texts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_full_text_figures')),
    sa.UniqueConstraint('full_text_id', 'name', name=op.f('uq_full_text_figures_full_text_id_name')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_full_text_figures_storage_key'))
    )
    with op.batch_alter_table('full_text_figures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_full_text_figures_full_text_id'), ['full_text_id'], unique=False)
    with op.batch_alter_table('article_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('full_text_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_article_versions_full_text_id_full_texts'), 'full_texts',
                                    ['full_text_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('article_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_article_versions_full_text_id_full_texts'), type_='foreignkey')
        batch_op.drop_column('full_text_id')
    with op.batch_alter_table('full_text_figures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_full_text_figures_full_text_id'))
    op.drop_table('full_text_figures')
    with op.batch_alter_table('full_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_full_texts_article_id'))
    op.drop_table('full_texts')
