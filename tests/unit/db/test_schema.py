"""init_schema on a database made by an earlier version: new columns are added, nothing is lost."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from bot.db import create_db_engine, init_schema


def columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_columns_added_by_a_later_version_are_created(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    init_schema(engine)
    with engine.begin() as conn:  # the table as an earlier version made it, with a row
        conn.execute(text("DROP INDEX ix_complaint_events_notified_at"))
        conn.execute(text("ALTER TABLE complaint_events DROP COLUMN notified_at"))
        conn.execute(text("ALTER TABLE complaint_events DROP COLUMN notify_attempts"))
    assert "notified_at" not in columns(engine, "complaint_events")
    init_schema(engine)
    init_schema(engine)  # idempotent
    assert {"notified_at", "notify_attempts"} <= columns(engine, "complaint_events")
    assert "ix_complaint_events_notified_at" in {i["name"] for i in inspect(engine).get_indexes("complaint_events")}


def test_a_missing_required_column_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    init_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE ratings"))
        conn.execute(text("CREATE TABLE ratings (id INTEGER PRIMARY KEY)"))
    with pytest.raises(RuntimeError, match="ratings 缺少必填列 user_id"):
        init_schema(engine)
