"""WeChat's HTTP API on aiohttp: the shared access_token, refresh on expiry codes, retries with backoff.

Error handling follows wechatpy's client: an errcode other than 0 is a ``WeChatAPIError``; the
codes for an invalid or expired access_token force one refresh and one retry. Network errors,
timeouts, HTTP 5xx/429 and errcode -1 ("system busy") are retried with exponential backoff and
end in ``Unavailable``. The secret and tokens travel only in query strings and are never logged.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

import aiohttp
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.errors import Unavailable, WeChatAPIError
from bot.wechat.tokens import TokenStore

logger = logging.getLogger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid or expired access_token: refresh and retry once
BUSY = -1  # "system busy, try again later"
RETRY_STATUSES = frozenset({429})  # besides 5xx


class WeChatClient:
    """One account's API client; one aiohttp session per client, created lazily in the running loop."""

    def __init__(self, api_base: str, app_id: str, app_secret: str, sessions: "sessionmaker[Session]",
                 *, retries: int = 3, backoff: float = 0.5, timeout: float = 5.0) -> None:
        self.api_base = api_base.rstrip("/")
        self.app_id = app_id
        self._secret = app_secret
        self.tokens = TokenStore(sessions, app_id)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: Optional[aiohttp.ClientSession] = None

    def __repr__(self) -> str:
        return f"WeChatClient({self.api_base!r}, app_id={self.app_id!r})"

    @classmethod
    def from_settings(cls, settings: Settings, sessions: "sessionmaker[Session]", **kw: Any) -> "WeChatClient":
        """A client for the account and API base the settings name (``kw``: retries, backoff, timeout)."""
        return cls(settings.wechat_api_base, settings.wechat_app_id, settings.wechat_app_secret, sessions, **kw)

    async def __aenter__(self) -> "WeChatClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session (a later call opens a new one)."""
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=self.timeout)
        return self._http

    async def _attempt(self, method: str, path: str, params: dict[str, str], body: Any) -> dict[str, Any]:
        """One HTTP exchange; raises Unavailable (worth retrying) or returns the decoded JSON object."""
        try:
            async with self._session().request(method, self.api_base + path, params=params, json=body) as resp:
                if resp.status >= 500 or resp.status in RETRY_STATUSES:
                    raise Unavailable(f"{path}: HTTP {resp.status}")
                if resp.status != 200:
                    raise _NotRetried(f"{path}: HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # the exception's text may carry the URL with its query string: only its type is kept
            raise Unavailable(f"{path}: {type(exc).__name__}") from None
        except ValueError:
            raise Unavailable(f"{path}: the answer is not JSON") from None
        if not isinstance(data, dict):
            raise Unavailable(f"{path}: the answer is not a JSON object")
        return data

    async def _request(self, method: str, path: str, params: dict[str, str], body: Any = None) -> dict[str, Any]:
        """One API request with retries on network errors, 5xx and "system busy"; raises on any other errcode."""
        last: BaseException = Unavailable(f"{path}: no attempt")
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1)
                logger.info("WeChat %s failed (%s); retry %d/%d in %.2f s", path, last, attempt, self.retries, delay)
                await asyncio.sleep(delay)
            try:
                data = await self._attempt(method, path, params, body)
            except _NotRetried:
                raise
            except Unavailable as exc:
                last = exc
                continue
            errcode = _errcode(data)
            errmsg = str(data.get("errmsg", ""))
            if errcode == BUSY:
                last = WeChatAPIError(errcode, errmsg)
                continue
            if errcode:
                raise WeChatAPIError(errcode, errmsg)
            return data
        logger.warning("WeChat %s failed after %d attempts: %s", path, self.retries + 1, last)
        raise Unavailable(f"WeChat API unavailable: {last}")

    async def _fetch_token(self) -> tuple[str, int]:
        data = await self._request("GET", "/cgi-bin/token", {
            "grant_type": "client_credential", "appid": self.app_id, "secret": self._secret})
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise Unavailable("/cgi-bin/token: no access_token in the answer")
        try:
            expires_in = int(data.get("expires_in", 7200))
        except (TypeError, ValueError):
            expires_in = 7200
        return token, expires_in

    async def access_token(self) -> str:
        """The account's current access_token (shared with every process through the database)."""
        return await self.tokens.get(self._fetch_token)

    async def call(self, method: str, path: str, json: Any = None,
                   params: Optional[dict[str, str]] = None) -> dict[str, Any]:
        """An API call with the access_token; on an invalid/expired-token code, refresh and retry once."""
        token = await self.access_token()
        try:
            return await self._request(method, path, {**(params or {}), "access_token": token}, json)
        except WeChatAPIError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            logger.info("WeChat %s: access_token rejected (%s); refreshing once", path, exc.errcode)
        await self.tokens.invalidate(token)
        token = await self.access_token()
        return await self._request(method, path, {**(params or {}), "access_token": token}, json)

    async def send_custom(self, message: dict[str, Any]) -> dict[str, Any]:
        """A customer-service message: ``{"touser", "msgtype", <msgtype>: {...}}``."""
        return await self.call("POST", "/cgi-bin/message/custom/send", message)

    async def send_template(self, openid: str, template_id: str, data: dict[str, Any],
                            url: Optional[str] = None) -> dict[str, Any]:
        """A template message; the answer carries its ``msgid``."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        return await self.call("POST", "/cgi-bin/message/template/send", body)

    async def create_menu(self, menu: dict[str, Any]) -> dict[str, Any]:
        """Publish the custom menu (``{"button": [...]}``)."""
        return await self.call("POST", "/cgi-bin/menu/create", menu)

    async def get_menu(self) -> dict[str, Any]:
        """The published menu (``{"menu": {"button": [...]}}``)."""
        return await self.call("GET", "/cgi-bin/menu/get")


class _NotRetried(Unavailable):
    """An HTTP answer that another attempt would not change (e.g. 404 from a wrong API base)."""


def _errcode(data: dict[str, Any]) -> int:
    """WeChat's errcode (0 when absent); a malformed one counts as "system busy"."""
    try:
        return int(data.get("errcode", 0) or 0)
    except (TypeError, ValueError):
        return BUSY
