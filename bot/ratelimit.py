"""How often one sender may do something: a sliding window per key, in this process.

Used for messages per WeChat OpenID, per REST sender and per address, and for console sign-ins per
address. Each server process counts on its own (with several Rasa workers a sender may get up to
workers × the limit); the limits are set so that no person typing reaches them.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Optional


class RateLimiter:
    """At most ``limit`` events per ``seconds`` for each key; the oldest keys are forgotten past ``max_keys``."""

    def __init__(self, limit: int, seconds: float, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and seconds > 0")
        self.limit, self.seconds, self.max_keys, self.clock = limit, seconds, max_keys, clock
        self._hits: "OrderedDict[str, deque[float]]" = OrderedDict()
        self._lock = threading.Lock()

    def _window(self, key: str, now: float) -> "deque[float]":
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            while len(self._hits) > self.max_keys:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        return hits

    def allow(self, key: str, now: Optional[float] = None) -> bool:
        """Count one event for ``key``; False (and not counted) when the key is over its limit."""
        with self._lock:
            now = self.clock() if now is None else now
            hits = self._window(key, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def exceeded(self, key: str, now: Optional[float] = None) -> bool:
        """True when ``key`` has used up its limit (nothing is counted)."""
        with self._lock:
            return len(self._window(key, self.clock() if now is None else now)) >= self.limit

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
