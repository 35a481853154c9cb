"""usage counting by the COUNTER rules: per-article monthly figures and the flushed batches

Views and downloads are no longer counted by an UPDATE per request on `articles` (view_count, download_count):
they go to a buffer and `flask journal flush-usage` stores COUNTER Release 5 figures per article and month in
`article_usage` (journal/services/usage.py). The editors would not want to lose what was counted before, so each
article's old counts are kept as figures of an unknown month (`BEFORE_COUNTER`, 1900-01-01, shown as "Before
COUNTER counting"): views plus downloads as Total_Item_Investigations, downloads as Total_Item_Requests. They were
not filtered for robots or double clicks and had no unique counts (0). Then the two columns are dropped; a
downgrade puts the old totals back from those rows (the later months are lost to a downgrade).

Revision ID: 0020_usage_counting
Revises: 0019_statistics_indexes
Create Date: 2026-12-06 03:10:00.000000

"""
import datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_usage_counting'
down_revision = '0019_statistics_indexes'
branch_labels = None
depends_on = None

BEFORE_COUNTER = datetime.date(1900, 1, 1)


def upgrade():
    usage = op.create_table(
        'article_usage',
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('total_item_investigations', sa.Integer(), nullable=False),
        sa.Column('unique_item_investigations', sa.Integer(), nullable=False),
        sa.Column('total_item_requests', sa.Integer(), nullable=False),
        sa.Column('unique_item_requests', sa.Integer(), nullable=False),
        sa.CheckConstraint('unique_item_investigations <= total_item_investigations',
                           name=op.f('ck_article_usage_unique_investigations')),
        sa.CheckConstraint('unique_item_requests <= total_item_requests', name=op.f('ck_article_usage_unique_requests')),
        sa.CheckConstraint('total_item_requests <= total_item_investigations',
                           name=op.f('ck_article_usage_requests_are_investigations')),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_usage_article_id_articles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('article_id', 'month', name=op.f('pk_article_usage')),
    )
    op.create_index(op.f('ix_article_usage_month'), 'article_usage', ['month'])
    op.create_table(
        'usage_batches',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('cutoff', sa.DateTime(timezone=True), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('counted', sa.Integer(), nullable=False),
        sa.Column('flushed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_batches')),
    )
    articles = sa.table('articles', sa.column('id', sa.Integer), sa.column('view_count', sa.Integer),
                        sa.column('download_count', sa.Integer))
    rows = op.get_bind().execute(sa.select(articles.c.id, articles.c.view_count, articles.c.download_count)
                                 .where((articles.c.view_count > 0) | (articles.c.download_count > 0))).all()
    if rows:
        op.bulk_insert(usage, [{'article_id': id_, 'month': BEFORE_COUNTER,
                                'total_item_investigations': views + downloads, 'unique_item_investigations': 0,
                                'total_item_requests': downloads, 'unique_item_requests': 0}
                               for id_, views, downloads in rows])
    with op.batch_alter_table('articles') as batch_op:
        batch_op.drop_column('view_count')
        batch_op.drop_column('download_count')


def downgrade():
    with op.batch_alter_table('articles') as batch_op:
        batch_op.add_column(sa.Column('download_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('view_count', sa.Integer(), nullable=False, server_default='0'))
    usage = sa.table('article_usage', sa.column('article_id', sa.Integer), sa.column('month', sa.Date),
                     sa.column('total_item_investigations', sa.Integer), sa.column('total_item_requests', sa.Integer))
    articles = sa.table('articles', sa.column('id', sa.Integer), sa.column('view_count', sa.Integer),
                        sa.column('download_count', sa.Integer))
    bind = op.get_bind()
    for id_, investigations, requests in bind.execute(
            sa.select(usage.c.article_id, usage.c.total_item_investigations, usage.c.total_item_requests)
            .where(usage.c.month == BEFORE_COUNTER)).all():
        bind.execute(articles.update().where(articles.c.id == id_)
                     .values(view_count=investigations - requests, download_count=requests))
    op.drop_table('usage_batches')
    op.drop_index(op.f('ix_article_usage_month'), table_name='article_usage')
    op.drop_table('article_usage')
