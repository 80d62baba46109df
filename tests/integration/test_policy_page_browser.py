"""The public policy pages in headless Chromium on a phone, against the real web app on loopback (no Rasa needed).

A visitor opens the category index, taps a category, opens a policy, sees the diagram, opens a question
and finds a big tap-to-call button; nothing scrolls sideways and the CSP is never violated.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.web.app import create_app
from tests.unit.web.conftest import serving_in_thread, web_settings
from tests.unit.web.test_policy_pages import CURRENT, EXPIRED, build_policy_world

PHONE = {"width": 390, "height": 844}
WAIT_MS = 10_000


@pytest.fixture(scope="module")
def site(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web app on its own copy of the sample database with test policies, served from a background loop."""
    world = build_policy_world(sample_db, tmp_path_factory.mktemp("policy-browser") / "policies.db")
    with serving_in_thread(create_app(web_settings(world.url))) as base:
        yield base


@pytest.fixture()
def phone_page(browser: Any) -> Iterator[Any]:
    """A phone-sized page that must finish without script errors or CSP violations."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        yield page
        assert errors == [], errors
    finally:
        context.close()


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_a_visitor_finds_a_policy_and_can_call_on_a_phone(site: str, phone_page: Any) -> None:
    page = phone_page
    page.goto(f"{site}/policies")
    assert page.locator("a.category").count() == 18
    no_sideways_scroll(page)
    page.locator("a.category", has_text="社会保险").tap()
    page.wait_for_url(f"{site}/policies/category/*")
    assert page.inner_text("h1") == "社会保险"
    no_sideways_scroll(page)
    assert "已失效" in page.locator(f'a[href="/policies/{EXPIRED}"]').inner_text()
    page.locator(f'a[href="/policies/{CURRENT}"]').tap()
    page.wait_for_url(f"{site}/policies/{CURRENT}")
    assert page.locator("h2").all_inner_texts()[:5] == ["政策图解", "文字解读", "高频问答", "发布单位", "解答电话"]

    diagram = page.locator("#diagram img")
    diagram.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=diagram.element_handle())
    assert diagram.evaluate("img => img.naturalWidth") > 0
    assert diagram.bounding_box()["width"] <= PHONE["width"]

    question = page.locator("details.faq").first
    assert question.evaluate("d => d.open") is False
    answer = question.locator("p")
    assert not answer.is_visible()
    question.locator("summary").tap()
    assert question.evaluate("d => d.open") is True and answer.is_visible()
    assert "2481" in answer.inner_text()

    call = page.locator("a.button.call")
    assert call.get_attribute("href") == "tel:02422345678,101"
    call.scroll_into_view_if_needed()
    box = call.bounding_box()
    assert box["height"] >= 44 and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert call.is_visible() and "024-22345678-101" in call.inner_text()
    no_sideways_scroll(page)


def test_an_expired_policy_shows_the_notice_on_a_phone(site: str, phone_page: Any) -> None:
    page = phone_page
    page.goto(f"{site}/policies/{EXPIRED}")
    assert page.locator(".notice").is_visible() and "已失效" in page.inner_text(".notice")
    no_sideways_scroll(page)
