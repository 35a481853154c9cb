"""contributors: addresses in lower case

"Is this account an author of the paper?" matches listed authors by address in any case (journal/permissions.py);
the editorial queue asks it in SQL for every editor's page, through the index on contributors.email. The service
already stored addresses in lower case; this lowers any that are not and keeps it so, as for users.

Revision ID: 0012_contributor_email_lowercase
Revises: 0011_attachment_confirmation
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_contributor_email_lowercase'
down_revision = '0011_attachment_confirmation'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE contributors SET email = lower(trim(email)) WHERE email != lower(trim(email))")
    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.create_check_constraint('email_lowercase', 'email = lower(email)')


def downgrade():
    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.drop_constraint('email_lowercase', type_='check')
