"""Process-wide resources built lazily on first use: settings, engine, sessions, directory and policy indexes."""
from __future__ import annotations

import threading
import time
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import create_db_engine, make_session_factory, session_scope
from bot.db.policies import Policy
from bot.directory.search import DirectoryIndex
from bot.nlp.dictionary import DICT_FILE
from bot.policies.search import PolicyIndex

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


_policies: "PolicyIndex | None" = None
_policies_checked = 0.0
_policies_version: tuple = ()
POLICY_RECHECK_SECONDS = 60.0  # an import by another process shows within this time


def policy_index() -> PolicyIndex:
    """The policy index of this process, reloaded when the policies in the database changed."""
    global _policies, _policies_checked, _policies_version
    with _lock:
        now = time.monotonic()
        if _policies is None or now - _policies_checked > POLICY_RECHECK_SECONDS:
            _policies_checked = now
            with session_scope(sessions()) as session:
                version = tuple(session.execute(select(func.count(Policy.id), func.max(Policy.updated_at))).one())
                if _policies is None or version != _policies_version:
                    _policies = PolicyIndex.load(session, str(settings().dict_dir / DICT_FILE))
                    _policies_version = version
        return _policies


def reset() -> None:
    """Forget cached resources (tests, or after an import in this process)."""
    global _index, _policies
    with _lock:
        _index = _policies = None
    settings.cache_clear()
    sessions.cache_clear()
    engine.cache_clear()
