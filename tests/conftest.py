"""Shared fixtures: a database loaded with the sample directory and policies, its index, PostgreSQL."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import runtime
from bot.config import REPO_ROOT
from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.directory.fileformat import NumberedRows
from bot.directory.importer import apply, numbered
from bot.directory.sample import sample_rows
from bot.directory.search import DirectoryIndex
from bot.nlp.dictionary import build_dictionary
from bot.policies.importer import load_sample

PG_ADMIN_URL = os.environ.get("SYB_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def sample_tables() -> dict[str, NumberedRows]:
    return {name: numbered(rows) for name, rows in sample_rows().items()}


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, sample_tables: dict[str, NumberedRows]) -> Path:
    """A SQLite file with the sample directory and policies and its jieba dictionary beside it."""
    folder = tmp_path_factory.mktemp("sample-db")
    engine = create_db_engine(f"sqlite:///{folder / 'syb.db'}")
    init_schema(engine)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        apply(session, sample_tables)
        load_sample(session)
        build_dictionary(session, folder / "jieba")
    engine.dispose()
    return folder


@pytest.fixture(scope="session")
def sample_sessions(sample_db: Path) -> "sessionmaker[Session]":
    return make_session_factory(create_db_engine(f"sqlite:///{sample_db / 'syb.db'}"))


@pytest.fixture(scope="session")
def index(sample_db: Path, sample_sessions: "sessionmaker[Session]") -> DirectoryIndex:
    with session_scope(sample_sessions) as session:
        return DirectoryIndex.load(session, str(sample_db / "jieba" / "userdict.txt"))


@pytest.fixture()
def session(sample_sessions: "sessionmaker[Session]") -> Iterator[Session]:
    """A session on the sample database whose changes are rolled back."""
    s = sample_sessions()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture()
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    init_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def pg_engine() -> Iterator[Engine]:
    """A fresh PostgreSQL database, dropped afterwards (PostgreSQL must be running)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"syb_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_db_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        init_schema(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def app_env(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point bot.runtime (used by actions and the CLI) at the sample database."""
    monkeypatch.setenv("SYB_DATABASE_URL", f"sqlite:///{sample_db / 'syb.db'}")
    monkeypatch.setenv("SYB_DICT_DIR", str(sample_db / "jieba"))
    runtime.reset()
    yield sample_db
    runtime.reset()


__all__ = ["REPO_ROOT"]
