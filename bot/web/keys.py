"""Typed keys of what the web app holds."""
from __future__ import annotations

import aiohttp
from aiohttp import web
from sqlalchemy.orm import sessionmaker

from bot.config import Settings
from bot.feedback.notify import Notifier

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", sessionmaker)
HTTP = web.AppKey("http", aiohttp.ClientSession)
# Sends complaint changes to complainants (absent when SYB_NOTIFY_INTERVAL is 0).
NOTIFIER = web.AppKey("notifier", Notifier)
# The WeChat API sandbox sub-application, present only when the assistant talks to it.
SANDBOX_APP = web.AppKey("sandbox_app", web.Application)

__all__ = ["HTTP", "NOTIFIER", "SANDBOX_APP", "SESSIONS", "SETTINGS"]
