"""The Alembic migrations and the models describe the same schema, on every backend."""

import re
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from journal import create_app
from journal.extensions import db
from journal.search import include_object
from tests.conftest import POSTGRES_SERVER, make_config


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"journal_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield re.sub(r"/[^/]*$", f"/{name}", POSTGRES_SERVER)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_downgrade_and_upgrade_again(empty_database_url, tmp_path):
    app = create_app(make_config(empty_database_url, tmp_path / "storage"))
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "journals", "sections", "memberships", "submissions", "contributors", "submission_files",
                "audit_events", "outbox_messages"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_0020_keeps_the_old_counts_as_an_unknown_month_and_gives_them_back(empty_database_url, tmp_path):
    """Views and downloads counted before COUNTER counting become figures of BEFORE_COUNTER; a downgrade puts them
    back into the articles' columns. The article rows are written alone: SQLite does not enforce foreign keys, and
    on PostgreSQL the transaction sets session_replication_role (the tests connect as a superuser)."""
    app = create_app(make_config(empty_database_url, tmp_path / "storage"))
    with app.app_context():
        upgrade(revision="0019_statistics_indexes")
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # no foreign key checks
            conn.execute(text(
                "INSERT INTO articles (id, submission_id, journal_id, position, status, proof_corrections, "
                "retraction_notice, created_at, updated_at, lock_version, view_count, download_count) VALUES "
                "(1, 1, 1, 0, 'published', '', '', '2026-01-01', '2026-01-01', 1, 5, 2), "
                "(2, 2, 1, 0, 'published', '', '', '2026-01-01', '2026-01-01', 1, 0, 0)"))
        upgrade()
        with db.engine.connect() as conn:
            rows = [tuple(str(v) if i == 1 else v for i, v in enumerate(row))
                    for row in conn.execute(text("SELECT * FROM article_usage")).all()]
            assert rows == [(1, "1900-01-01", 7, 0, 2, 0)]
        downgrade(revision="0019_statistics_indexes")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT id, view_count, download_count FROM articles ORDER BY id")).all() == [
                (1, 5, 2), (2, 0, 0)]
        db.engine.dispose()
