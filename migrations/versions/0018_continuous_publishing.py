"""continuous publishing and linked data: online-first articles with an article number, journals that print,
structured links to datasets and software

A journal may publish continuously (`publishes_continuously`): an article with approved proofs is published on its
own and gathered into an issue later. Only a journal that prints (`prints`, true for the journals there are) needs
page numbers; the others cite an article by its `article_number` (e2026001), unique per journal. Submissions and
article versions keep `data_links`, a list of {kind, doi, url, repository}.

Revision ID: 0018_continuous_publishing
Revises: 0017_revision_due
Create Date: 2026-12-05 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018_continuous_publishing'
down_revision = '0017_revision_due'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journals') as batch_op:
        batch_op.add_column(sa.Column('publishes_continuously', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('prints', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('articles') as batch_op:
        batch_op.add_column(sa.Column('article_number', sa.String(length=20), nullable=True))
        batch_op.create_unique_constraint('uq_articles_journal_article_number', ['journal_id', 'article_number'])
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.add_column(sa.Column('data_links', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('article_versions') as batch_op:
        batch_op.add_column(sa.Column('data_links', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('article_versions') as batch_op:
        batch_op.drop_column('data_links')
    with op.batch_alter_table('submissions') as batch_op:
        batch_op.drop_column('data_links')
    with op.batch_alter_table('articles') as batch_op:
        batch_op.drop_constraint('uq_articles_journal_article_number', type_='unique')
        batch_op.drop_column('article_number')
    with op.batch_alter_table('journals') as batch_op:
        batch_op.drop_column('prints')
        batch_op.drop_column('publishes_continuously')
