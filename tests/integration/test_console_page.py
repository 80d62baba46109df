"""The web console in headless Chromium against the real web app on loopback (no Rasa needed).

A unit's staff member signs in on a phone, finds the unit's ticket and accepts it with a note; an
administrator signs in on a desktop, opens the leaderboard and a unit's page with its score chart.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.db import create_db_engine, make_session_factory
from bot.web.app import create_app
from tests.unit.console.conftest import PASSWORD, World, build_world, copy_sample
from tests.unit.web.conftest import serving_in_thread, web_settings


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
WAIT_MS = 10_000


@pytest.fixture(scope="module")
def console(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """The web app on its own copy of the sample directory, served by an event loop on a background thread."""
    url = copy_sample(sample_db, tmp_path_factory.mktemp("console-page") / "console.db")
    engine = create_db_engine(url)
    world = build_world(make_session_factory(engine))
    engine.dispose()
    with serving_in_thread(create_app(web_settings(url))) as base:
        yield base, world


@pytest.fixture()
def open_page(browser: Any) -> Iterator[Any]:
    """New browser contexts on demand; each page must finish without script errors or CSP violations."""
    contexts: list[Any] = []
    errors: list[str] = []

    def new(viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        return page

    try:
        yield new
        assert errors == [], errors
    finally:
        for context in contexts:
            context.close()


def sign_in(page: Any, base: str, login: str) -> None:
    page.goto(f"{base}/console")
    assert page.url.startswith(f"{base}/console/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(f"{base}/console/tickets")


def test_staff_accept_their_units_ticket_on_a_phone(console: tuple[str, World], open_page: Any) -> None:
    base, world = console
    page = open_page(PHONE)
    sign_in(page, base, "staff_a")
    assert "的工单" in page.inner_text("h1")
    row = page.locator(".ticket-row", has_text=world.ticket)
    assert "已提交" in row.inner_text()
    row.locator("a").click()
    page.wait_for_url(f"{base}/console/tickets/{world.ticket}")
    assert "来回跑了三趟" in page.inner_text(".description")
    assert page.locator(".history li").count() == 1
    page.click("label.choice:has-text('已受理')")
    page.fill("textarea[name=note]", "已受理，三个工作日内回复")
    page.click("button:has-text('提交')")
    page.wait_for_url(f"{base}/console/tickets/{world.ticket}?saved=1")
    assert "已保存" in page.inner_text(".alert.ok")
    assert page.inner_text(".page-head .status") == "已受理"
    latest = page.locator(".history li").last.inner_text()
    assert "已提交 → 已受理" in latest and "已受理，三个工作日内回复" in latest and "张三" in latest
    assert page.locator("input[name=to_status][value='办理中']").count() == 1  # the next steps are offered


def test_an_administrator_sees_the_leaderboard_and_a_units_chart(console: tuple[str, World], open_page: Any) -> None:
    base, world = console
    page = open_page(DESKTOP)
    sign_in(page, base, "admin")
    page.click("nav.nav >> text=排行榜")
    page.wait_for_url(f"{base}/console/leaderboard")
    assert page.locator("table.board tbody tr").count() == 50
    assert page.locator("a:has-text('Excel（XLSX）')").get_attribute("href").startswith("/console/leaderboard.xlsx?")
    first = page.locator("table.board tbody tr").first.locator("a")
    name = first.inner_text()
    first.click()
    page.wait_for_url(f"{base}/console/units/*")
    assert page.inner_text("h1") == name
    chart = page.locator("figure.chart svg")
    assert chart.count() == 1 and chart.locator("circle.dot").count() == 12
    assert chart.bounding_box()["width"] > 500
