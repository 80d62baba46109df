"""Database layer: engine, sessions and the ORM models."""
from bot.db.engine import create_db_engine, init_schema, make_session_factory, session_scope

__all__ = ["create_db_engine", "init_schema", "make_session_factory", "session_scope"]
