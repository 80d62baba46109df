"""Where a sign-in may lead: only plain console paths of this site."""
from __future__ import annotations

import pytest

from bot.console.forms import HOME, safe_next


@pytest.mark.parametrize("target", [
    "/console", "/console/tickets", "/console/tickets/TS202611240001", "/console/units/12",
    "/console/leaderboard.csv?period=year&year=2025", "/console/tickets?status=%E5%B7%B2%E5%8F%97%E7%90%86&page=2",
])
def test_console_paths_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    "", "/", "/chat", "/consoleX", "/console/", "/console//tickets", "//evil.example/console",
    "https://evil.example/console", "javascript:alert(1)", "/console/../sandbox/cgi-bin/token",
    "/console/tickets/..", "/console/./tickets", "/console/%2e%2e/sandbox", "/console/%2E%2E%2Fsandbox",
    "/console/tickets?next=..%2f..", "/console?x=%2F%2Fevil.example", "/console\\..\\sandbox",
    "/console/tickets?x=%5c", "/console/tickets%0aSet-Cookie:x=1", "/console/tickets?x=%0d%0aX:1",
    "/console/tickets\n", "/console/tickets?x=%252e%252e", "/console/tickets?x=%7f", "/console/tickets#x",
    "/console/tickets?x=a b", "/console/单位",
])
def test_anything_else_goes_to_the_ticket_list(target: str) -> None:
    assert safe_next(target) == HOME == "/console/tickets"
