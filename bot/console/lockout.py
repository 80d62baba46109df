"""Limits on failed console sign-ins, counted in this process over a sliding window.

- One address may fail ADDRESS_FAILURES times per window, whatever the logins tried; then it is
  refused without a password check (this stops password spraying).
- One login may fail PAIR_FAILURES times per window from one address; then that address is refused
  for that login, known or not, while other addresses can still sign in.
- ACCOUNT_FAILURES failures per window from all addresses together lock the account itself for
  LOCK_MINUTES (bot.console.accounts), against guessing from many addresses.

ACCOUNT_FAILURES exceeds ADDRESS_FAILURES, so one address alone can never lock anyone out.
An IPv6 address counts as its /64, the network one subscriber gets.
"""
from __future__ import annotations

import ipaddress
from datetime import datetime

from bot.ratelimit import RateLimiter

WINDOW_MINUTES = 15
ADDRESS_FAILURES = 20
PAIR_FAILURES = 5
ACCOUNT_FAILURES = 50
LOCK_MINUTES = 15


def address_key(address: str) -> str:
    """What the per-address limit counts: an IPv4 address, or an IPv6 address's /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _pair(key: str, login: str) -> str:
    return f"{key} {login}"


class Throttle:
    """The sliding windows of failed sign-ins (one per web app); ``now`` is the caller's clock."""

    def __init__(self) -> None:
        seconds = WINDOW_MINUTES * 60
        self.addresses = RateLimiter(ADDRESS_FAILURES, seconds)
        self.pairs = RateLimiter(PAIR_FAILURES, seconds)
        self.accounts = RateLimiter(ACCOUNT_FAILURES, seconds)

    def held(self, address: str, login: str, now: datetime) -> str:
        """Why a sign-in is refused before its password is checked: "address", "locked", or "" (it is not)."""
        at, key = now.timestamp(), address_key(address)
        if self.addresses.exceeded(key, at):
            return "address"
        return "locked" if self.pairs.exceeded(_pair(key, login), at) else ""

    def failed(self, address: str, login: str, now: datetime) -> bool:
        """Count a failure; True when it fills the login's window (which then starts anew): lock the account."""
        at, key = now.timestamp(), address_key(address)
        self.addresses.allow(key, at)
        self.pairs.allow(_pair(key, login), at)
        self.accounts.allow(login, at)
        if not self.accounts.exceeded(login, at):
            return False
        self.accounts.reset(login)
        return True

    def succeeded(self, address: str, login: str) -> None:
        """The right password from this address: its failures at this login are forgiven."""
        self.pairs.reset(_pair(address_key(address), login))
