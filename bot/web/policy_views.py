"""Handlers of the public policy pages: the category index, a category's list, a policy, its diagram and cover."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Optional, TypeVar

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from bot.db.policies import POLICY_CATEGORIES, Policy
from bot.policies import store
from bot.policies.cards import category_url
from bot.policies.diagram import category_cover_png, category_index, cover_png, diagram_svg, eligibility_text
from bot.web.cards import Phone, phone
from bot.web.database import in_db
from bot.web.views import not_found
from bot.workdays import china_today

T = TypeVar("T")
CODE = r"{code:[A-Za-z0-9-]{1,32}}"
IMAGE_CACHE = "public, max-age=3600"


@dataclass(frozen=True)
class CategoryLink:
    """One of the 18 categories on the index."""

    name: str
    count: int
    colour: int  # index of the .cat-N colour class
    url: str


@dataclass(frozen=True)
class PolicyLine:
    """A policy in a category's list."""

    code: str
    title: str
    full_title: str
    issuer: str
    issued: str
    effective: str
    validity: str
    expired: bool


def cn_date(day: date) -> str:
    """2019-09-20 → 2019年9月20日."""
    return f"{day.year}年{day.month}月{day.day}日"


def validity(policy: Policy) -> str:
    """有效期 in words."""
    start = f"{cn_date(policy.effective_on)}起"
    return f"{start}至{cn_date(policy.expires_on)}" if policy.expires_on else f"{start}长期有效"


def _line(policy: Policy, today: date) -> PolicyLine:
    """What a list (and a policy's header) shows of a policy."""
    return PolicyLine(
        code=policy.code, title=policy.short_title or policy.title, full_title=policy.title,
        issuer=getattr(policy.issuer, "name", ""), issued=cn_date(policy.issued_on),
        effective=cn_date(policy.effective_on), validity=validity(policy), expired=store.expired(policy, today))


async def index(request: web.Request) -> web.Response:
    """The 18 categories with their number of policies."""
    counts = await in_db(request, store.category_counts)
    links = [CategoryLink(name, n, category_index(name), category_url(name, "")) for name, n in counts.items()]
    return aiohttp_jinja2.render_template("policies/index.html", request,
                                          {"categories": links, "total": sum(counts.values())})


async def category(request: web.Request) -> web.Response:
    """One category's policies, newest first."""
    name = request.match_info["name"]
    if name not in POLICY_CATEGORIES:
        return not_found(request, "这个政策分类")
    policies = await in_db(request, lambda s: store.list_policies(s, name))
    today = china_today()
    return aiohttp_jinja2.render_template("policies/category.html", request, {
        "category": name, "colour": category_index(name), "policies": [_line(p, today) for p in policies]})


def _paragraphs(text: str) -> list[str]:
    """Non-empty lines of ``text``, each shown as a paragraph."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


async def policy_page(request: web.Request) -> web.Response:
    """A policy: 政策图解, 文字解读, 高频问答, 发布单位, 解答电话, with its dates and source."""
    code = request.match_info["code"]
    policy = await in_db(request, lambda s: store.find_policy(s, code))
    if policy is None:
        return not_found(request, "这项政策")
    answer: Optional[Phone] = phone(policy.answer_phone)
    source = policy.source_url if (policy.source_url or "").startswith(("http://", "https://")) else ""
    return aiohttp_jinja2.render_template("policies/policy.html", request, {
        "policy": policy, "line": _line(policy, china_today()), "colour": category_index(policy.category),
        "category_url": category_url(policy.category, ""), "phone": answer, "source": source,
        "audience": eligibility_text(policy.eligibility).removeprefix("适用："),
        "interpretation": _paragraphs(policy.interpretation), "full_text": _paragraphs(policy.full_text)})


def _image(body: bytes, content_type: str) -> web.Response:
    """An image response that phones and WeChat may cache for an hour."""
    return web.Response(body=body, content_type=content_type, headers={"Cache-Control": IMAGE_CACHE})


def _drawn(code: str, draw: Callable[[Policy], T]) -> Callable[[Session], Optional[T]]:
    """A read that draws the policy ``code``, or gives None when there is none."""
    def work(session: Session) -> Optional[T]:
        policy = store.find_policy(session, code)
        return None if policy is None else draw(policy)
    return work


async def diagram(request: web.Request) -> web.Response:
    """The policy diagram as SVG."""
    svg = await in_db(request, _drawn(request.match_info["code"], diagram_svg))
    if svg is None:
        return not_found(request, "这项政策的图解")
    response = _image(svg.encode("utf-8"), "image/svg+xml")
    response.charset = "utf-8"
    response.headers["Content-Security-Policy"] = "default-src 'none'"  # opened on its own, it may run nothing
    return response


async def cover(request: web.Request) -> web.Response:
    """The policy's news-card cover as PNG."""
    png = await in_db(request, _drawn(request.match_info["code"], cover_png))
    if png is None:
        return not_found(request, "这项政策的封面图")
    return _image(png, "image/png")


async def category_cover(request: web.Request) -> web.Response:
    """A category's news-card cover as PNG."""
    name = request.match_info["name"]
    if name not in POLICY_CATEGORIES:
        return not_found(request, "这个政策分类")
    return _image(await asyncio.to_thread(category_cover_png, name), "image/png")


def add_policy_routes(router: web.UrlDispatcher) -> None:
    """Register the policy pages and images."""
    router.add_get("/policies", index, name="policies")
    router.add_get("/policies/category/{name}", category, name="policy_category")
    router.add_get("/policies/category/{name}/cover.png", category_cover, name="policy_category_cover")
    router.add_get(f"/policies/{CODE}", policy_page, name="policy")
    router.add_get(f"/policies/{CODE}/diagram.svg", diagram, name="policy_diagram")
    router.add_get(f"/policies/{CODE}/cover.png", cover, name="policy_cover")
