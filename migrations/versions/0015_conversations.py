"""conversations on a paper: messages between the editors and the authors or one reviewer, and how far each
person has read each thread

Revision ID: 0015_conversations
Revises: 0014_search_cjk
Create Date: 2026-12-05 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_conversations'
down_revision = '0014_search_cjk'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('side', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('file_key', sa.String(length=255), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('file_size', sa.BigInteger(), nullable=True),
        sa.Column('file_sha256', sa.String(length=64), nullable=True),
        sa.Column('file_media_type', sa.String(length=127), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['review_assignments.id'],
                                name=op.f('fk_messages_assignment_id_review_assignments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_messages_submission_id_submissions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
        sa.UniqueConstraint('file_key', name=op.f('uq_messages_file_key')),
    )
    op.create_index('ix_messages_thread', 'messages', ['submission_id', 'assignment_id', 'id'], unique=False)
    op.create_index(op.f('ix_messages_assignment_id'), 'messages', ['assignment_id'], unique=False)
    op.create_table(
        'message_reads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('thread', sa.Integer(), nullable=False),
        sa.Column('last_read_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_message_reads_submission_id_submissions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_reads_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_message_reads')),
        sa.UniqueConstraint('user_id', 'submission_id', 'thread', name='uq_message_reads_thread'),
    )
    op.create_index(op.f('ix_message_reads_submission_id'), 'message_reads', ['submission_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_message_reads_submission_id'), table_name='message_reads')
    op.drop_table('message_reads')
    op.drop_index(op.f('ix_messages_assignment_id'), table_name='messages')
    op.drop_index('ix_messages_thread', table_name='messages')
    op.drop_table('messages')
