"""Initial schema: the whole data model, plus full-text search over documents.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 01:02:57.910803
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=400), nullable=False),
    sa.Column('publisher', sa.String(length=200), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('page_offsets', sa.JSON(), nullable=True),
    sa.Column('original_name', sa.String(length=400), nullable=False),
    sa.Column('original_path', sa.String(length=1000), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
    sa.UniqueConstraint('sha256', name=op.f('uq_document_sha256'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_published_on'), ['published_on'], unique=False)

    op.create_table('instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('symbol', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('exchange', sa.String(length=40), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument')),
    sa.UniqueConstraint('symbol', name=op.f('uq_instrument_symbol'))
    )
    op.create_table('tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
    sa.UniqueConstraint('name', name=op.f('uq_tag_name'))
    )
    op.create_table('thesis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('claim', sa.Text(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('conviction', sa.Integer(), nullable=False),
    sa.Column('horizon', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('flagged_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thesis'))
    )
    with op.batch_alter_table('thesis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thesis_status'), ['status'], unique=False)

    op.create_table('document_tag',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_tag_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_document_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'tag_id', name=op.f('pk_document_tag'))
    )
    op.create_table('metric',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=400), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_metric_instrument_id_instrument'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_metric')),
    sa.UniqueConstraint('name', name=op.f('uq_metric_name'))
    )
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_metric_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('pillar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thesis_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thesis_id'], ['thesis.id'], name=op.f('fk_pillar_thesis_id_thesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pillar'))
    )
    with op.batch_alter_table('pillar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pillar_thesis_id'), ['thesis_id'], unique=False)

    op.create_table('position',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thesis_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('entry_price', sa.Float(), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('exit_date', sa.Date(), nullable=True),
    sa.Column('exit_price', sa.Float(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_position_instrument_id_instrument'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['thesis_id'], ['thesis.id'], name=op.f('fk_position_thesis_id_thesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_position'))
    )
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_position_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_position_thesis_id'), ['thesis_id'], unique=False)

    op.create_table('thesis_instrument',
    sa.Column('thesis_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_thesis_instrument_instrument_id_instrument'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thesis_id'], ['thesis.id'], name=op.f('fk_thesis_instrument_thesis_id_thesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thesis_id', 'instrument_id', name=op.f('pk_thesis_instrument'))
    )
    op.create_table('thesis_tag',
    sa.Column('thesis_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_thesis_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thesis_id'], ['thesis.id'], name=op.f('fk_thesis_tag_thesis_id_thesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thesis_id', 'tag_id', name=op.f('pk_thesis_tag'))
    )
    op.create_table('alert_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=True),
    sa.Column('window', sa.Integer(), nullable=True),
    sa.Column('window_unit', sa.String(length=16), nullable=False),
    sa.Column('hysteresis', sa.Float(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=True),
    sa.Column('pillar_id', sa.Integer(), nullable=True),
    sa.Column('pillar_state_on_fire', sa.String(length=16), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('triggered', sa.Boolean(), nullable=False),
    sa.Column('last_observation_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], name=op.f('fk_alert_rule_metric_id_metric'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pillar_id'], ['pillar.id'], name=op.f('fk_alert_rule_pillar_id_pillar'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule'))
    )
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_rule_metric_id'), ['metric_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_rule_pillar_id'), ['pillar_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thesis_id', sa.Integer(), nullable=False),
    sa.Column('pillar_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('quote', sa.Text(), nullable=False),
    sa.Column('start_offset', sa.Integer(), nullable=True),
    sa.Column('end_offset', sa.Integer(), nullable=True),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.Column('source_text', sa.String(length=1000), nullable=False),
    sa.Column('stance', sa.String(length=16), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_evidence_document_id_document'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pillar_id'], ['pillar.id'], name=op.f('fk_evidence_pillar_id_pillar'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thesis_id'], ['thesis.id'], name=op.f('fk_evidence_thesis_id_thesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_pillar_id'), ['pillar_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_thesis_id'), ['thesis_id'], unique=False)

    op.create_table('metric_tag',
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], name=op.f('fk_metric_tag_metric_id_metric'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_metric_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('metric_id', 'tag_id', name=op.f('pk_metric_tag'))
    )
    op.create_table('thesis_metric',
    sa.Column('thesis_id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('expected_direction', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], name=op.f('fk_thesis_metric_metric_id_metric'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thesis_id'], ['thesis.id'], name=op.f('fk_thesis_metric_thesis_id_thesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('thesis_id', 'metric_id', name=op.f('pk_thesis_metric'))
    )
    op.create_table('observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_observation_document_id_document'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_observation_evidence_id_evidence'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['metric_id'], ['metric.id'], name=op.f('fk_observation_metric_id_metric'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_observation')),
    sa.UniqueConstraint('metric_id', 'date', name='uq_observation_metric_date')
    )
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('fired_at', sa.DateTime(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=True),
    sa.Column('observed_on', sa.Date(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('snoozed_until', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['observation_id'], ['observation.id'], name=op.f('fk_alert_observation_id_observation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_alert_rule_id_alert_rule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_state'), ['state'], unique=False)

    op.create_table('journal_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thesis_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old', sa.Text(), nullable=False),
    sa.Column('new', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('pillar_id', sa.Integer(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_journal_entry_alert_id_alert'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_journal_entry_evidence_id_evidence'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pillar_id'], ['pillar.id'], name=op.f('fk_journal_entry_pillar_id_pillar'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thesis_id'], ['thesis.id'], name=op.f('fk_journal_entry_thesis_id_thesis'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entry'))
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index('ix_journal_thesis_at', ['thesis_id', 'at'], unique=False)


    if op.get_bind().dialect.name == "sqlite":
        _create_document_fts()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in _FTS_DROP:
            op.execute(stmt)
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_thesis_at')

    op.drop_table('journal_entry')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_state'))
        batch_op.drop_index(batch_op.f('ix_alert_rule_id'))

    op.drop_table('alert')
    op.drop_table('observation')
    op.drop_table('thesis_metric')
    op.drop_table('metric_tag')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_thesis_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_pillar_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_document_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('alert_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_rule_pillar_id'))
        batch_op.drop_index(batch_op.f('ix_alert_rule_metric_id'))

    op.drop_table('alert_rule')
    op.drop_table('thesis_tag')
    op.drop_table('thesis_instrument')
    with op.batch_alter_table('position', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_position_thesis_id'))
        batch_op.drop_index(batch_op.f('ix_position_instrument_id'))

    op.drop_table('position')
    with op.batch_alter_table('pillar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pillar_thesis_id'))

    op.drop_table('pillar')
    with op.batch_alter_table('metric', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_metric_instrument_id'))

    op.drop_table('metric')
    op.drop_table('document_tag')
    with op.batch_alter_table('thesis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thesis_status'))

    op.drop_table('thesis')
    op.drop_table('tag')
    op.drop_table('instrument')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_published_on'))

    op.drop_table('document')


# FTS5 over document title + text, as an external-content table kept in step by
# triggers; rows are addressed by document.id. Search goes through one interface in
# the library service, so a PostgreSQL (tsvector) variant can sit beside it.
_FTS_CREATE = [
    """CREATE VIRTUAL TABLE document_fts USING fts5(
        title, text, content='document', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER document_fts_ai AFTER INSERT ON document BEGIN
        INSERT INTO document_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER document_fts_ad AFTER DELETE ON document BEGIN
        INSERT INTO document_fts(document_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER document_fts_au AFTER UPDATE OF title, text ON document BEGIN
        INSERT INTO document_fts(document_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO document_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
]
_FTS_DROP = [
    "DROP TRIGGER IF EXISTS document_fts_au",
    "DROP TRIGGER IF EXISTS document_fts_ad",
    "DROP TRIGGER IF EXISTS document_fts_ai",
    "DROP TABLE IF EXISTS document_fts",
]


def _create_document_fts() -> None:
    for stmt in _FTS_CREATE:
        op.execute(stmt)
