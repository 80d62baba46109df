"""Process-wide resources built lazily on first use: settings, engine, sessions, directory index."""
from __future__ import annotations

import threading
from functools import lru_cache

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import create_db_engine, make_session_factory, session_scope
from bot.directory.search import DirectoryIndex
from bot.nlp.dictionary import DICT_FILE

_lock = threading.Lock()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def engine() -> Engine:
    return create_db_engine(settings().database_url)


@lru_cache(maxsize=1)
def sessions() -> "sessionmaker[Session]":
    return make_session_factory(engine())


_index: "DirectoryIndex | None" = None


def directory_index() -> DirectoryIndex:
    """The directory index of this process, loaded from the database once."""
    global _index
    with _lock:
        if _index is None:
            with session_scope(sessions()) as session:
                _index = DirectoryIndex.load(session, str(settings().dict_dir / DICT_FILE))
        return _index


def reset() -> None:
    """Forget cached resources (tests, or after a directory import in this process)."""
    global _index
    with _lock:
        _index = None
    settings.cache_clear()
    sessions.cache_clear()
    engine.cache_clear()
