"""Designers' form drafts in the database: each save a row with its revision, author and time, instead of files
under the instance folder (no history, no locking, copies drifting between hosts).

Revision ID: 0028_form_drafts
Revises: 0021_sealed_personal_data
"""
from alembic import op
import sqlalchemy as sa
import bangfu.db


revision = '0028_form_drafts'
down_revision = '0021_sealed_personal_data'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('schema_text', sa.Text(), nullable=False),
    sa.Column('ui_text', sa.Text(), nullable=False),
    sa.Column('saved_by_id', sa.Integer(), nullable=False),
    sa.Column('saved_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['saved_by_id'], ['users.id'], name=op.f('fk_form_drafts_saved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_drafts')),
    sa.UniqueConstraint('name', 'revision', name=op.f('uq_form_drafts_name'))
    )


def downgrade():
    op.drop_table('form_drafts')
