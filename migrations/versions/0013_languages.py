"""languages: a person's language, a journal's default and offered languages, bilingual metadata

Every page and mail is written in one of six languages (journal/i18n.py): the person's saved choice, else the
journal's default. A submission and each published version may carry title, abstract and keywords in a second
language; a contributor a name in their own script, an affiliation in the second language and the language
mails to them are written in.

Revision ID: 0013_languages
Revises: 0012_contributor_email_lowercase
Create Date: 2026-12-05 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013_languages'
down_revision = '0012_contributor_email_lowercase'
branch_labels = None
depends_on = None

TRANSLATED = ('submissions', 'article_versions')


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=8), nullable=False, server_default='en'))
        batch_op.add_column(sa.Column('languages', sa.JSON(), nullable=True))
    for table in TRANSLATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('translated_language', sa.String(length=8), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('translated_title', sa.String(length=500), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('translated_abstract', sa.Text(), nullable=False, server_default=''))
            batch_op.add_column(sa.Column('translated_keywords', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('native_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('translated_affiliation', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('mail_language', sa.String(length=8), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('contributors', schema=None) as batch_op:
        for column in ('mail_language', 'translated_affiliation', 'native_name'):
            batch_op.drop_column(column)
    for table in TRANSLATED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ('translated_keywords', 'translated_abstract', 'translated_title', 'translated_language'):
                batch_op.drop_column(column)
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_column('languages')
        batch_op.drop_column('default_language')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
