"""Engine creation and the session lifecycle (callers commit through session_scope)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Column, event, inspect, text
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db.base import Base


def create_db_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite files get their folder, WAL and foreign keys."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def init_schema(engine: Engine) -> None:
    """Create every table that does not exist yet (idempotent)."""
    import bot.db.console  # noqa: F401  (registers the models)
    import bot.db.directory  # noqa: F401
    import bot.db.feedback  # noqa: F401
    import bot.db.policies  # noqa: F401
    import bot.db.users  # noqa: F401
    import bot.db.wechat  # noqa: F401

    Base.metadata.create_all(engine)
    _add_new_columns(engine)


def _add_new_columns(engine: Engine) -> None:
    """Add columns that later versions added to existing tables (nullable or with a default).

    Only additive changes are made this way; any other difference needs a migration by hand.
    """
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            default = _default_sql(column)
            if not column.nullable and default is None:
                raise RuntimeError(f"数据库表 {table.name} 缺少必填列 {column.name}，请手工迁移数据库")
            ddl = f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type.compile(engine.dialect)}"
            if default is not None:
                ddl += f" NOT NULL DEFAULT {default}"
            with engine.begin() as conn:
                conn.execute(text(ddl))
            for index in table.indexes:
                if column.name in index.columns:
                    index.create(engine, checkfirst=True)


def _default_sql(column: "Column[object]") -> "str | None":
    """A column's Python default as an SQL literal (a JSON list or dict as its text); None if it has none."""
    if column.default is None:
        return None
    value = column.default.arg if column.default.is_scalar else column.default.arg(None)  # type: ignore[operator]
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (list, dict)):
        return "'" + json.dumps(value) + "'"
    return repr(value)


def make_session_factory(engine: Engine) -> "sessionmaker[Session]":
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def session_scope(factory: "sessionmaker[Session]") -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
