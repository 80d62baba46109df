"""Public policy pages over loopback: the category index, a category's list, a policy's five parts, images, 404."""
from __future__ import annotations

import asyncio
import io
import re
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import delete, select

from bot.db import create_db_engine, init_schema, make_session_factory, session_scope
from bot.db.directory import Unit
from bot.db.policies import POLICY_CATEGORIES, Policy, PolicyFaq
from bot.policies import store
from bot.policies.cards import category_news, policy_news
from bot.policies.diagram import PALETTE
from bot.web.app import create_app
from bot.web.routes import STATIC
from tests.unit.web.conftest import serving, web_settings

CURRENT, EXPIRED, EVIL = "T-WEB-GSDY", "T-WEB-OLD", "T-WEB-EVIL"
HEADINGS = ("政策图解", "文字解读", "高频问答", "发布单位", "解答电话")


@dataclass(frozen=True)
class PolicyWorld:
    """A private copy of the sample database with test policies of the city's HRSS bureau."""

    url: str
    issuer_id: int
    issuer_name: str


def _policy(issuer: Unit, code: str, title: str, category: str, issued: date, expires: "date | None" = None,
            faqs: "list[tuple[str, str]] | None" = None, **fields: object) -> Policy:
    values: dict[str, object] = dict(
        code=code, issuer_id=issuer.id, title=title, short_title="", doc_number="", category=category, issued_on=issued,
        effective_on=issued, expires_on=expires, full_text="第一条 测试条款。", interpretation="测试解读。",
        keywords=[], highlights=[], steps=[], eligibility={}, answer_phone="12333", source_url="")
    values.update(fields)
    pairs = faqs or [(f"问题{i}？", f"回答{i}。") for i in (1, 2, 3)]
    return Policy(faqs=[PolicyFaq(position=i, question=q, answer=a) for i, (q, a) in enumerate(pairs, 1)], **values)


def build_policy_world(sample_db: Path, target: Path) -> PolicyWorld:
    """Copy the sample database to ``target`` and add a policy in force, an expired one and one with markup."""
    source, copy = sqlite3.connect(sample_db / "syb.db"), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    url = f"sqlite:///{target}"
    engine = create_db_engine(url)
    init_schema(engine)
    with session_scope(make_session_factory(engine)) as s:
        issuer = s.scalars(select(Unit).where(Unit.code == "C-DEPT-HRSS")).one()
        current = _policy(
            issuer, CURRENT, "关于调整测试市工伤人员伤残津贴的通知（测试）", "社会保险", date(2024, 5, 1),
            short_title="测试工伤待遇调整", doc_number="测人社发〔2024〕1号", answer_phone="024-22345678-101",
            source_url="https://rsj.example.gov.cn/notice", full_text="一、伤残津贴。\n二、生活护理费。",
            interpretation="这次调整提高了一至四级工伤人员的伤残津贴。\n不用个人申请，10月底前发放到位。",
            highlights=[{"label": "一级伤残津贴", "value": "2481元/月"}, {"label": "护理费", "value": "1940元/月"}],
            steps=["无需个人申请", "经办机构按新标准核定", "10月底前发放到位"],
            eligibility={"sizes": ["小型", "微型"], "districts": ["浑南区"]},
            faqs=[("一级伤残津贴调整后是多少？", "每月2481元，比原来多118元。"), ("需要自己申请吗？", "不需要个人申请。"),
                  ("什么时候发？", "10月底前发放到位。")])
        expired = _policy(issuer, EXPIRED, "关于测试稳岗返还的旧通知", "社会保险", date(2018, 3, 1), date(2019, 12, 31),
                          short_title="旧稳岗返还（测试）")
        evil = _policy(issuer, EVIL, '关于<b>加粗</b>的通知<script>alert("x")</script>', "科技创新", date(2023, 1, 1),
                       interpretation="解读<script>alert(1)</script>", answer_phone="12345",
                       highlights=[{"label": "<i>标签</i>", "value": "<script>"}], steps=["<b>第一步</b>"],
                       source_url="javascript:alert(1)")
        s.add_all([current, expired, evil])
        world = PolicyWorld(url=url, issuer_id=issuer.id, issuer_name=issuer.name)
    engine.dispose()
    return world


@pytest.fixture(scope="module")
def world(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> PolicyWorld:
    return build_policy_world(sample_db, tmp_path_factory.mktemp("policy-pages") / "policies.db")


@dataclass(frozen=True)
class Fetched:
    status: int
    content_type: str
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(database: str, *paths: str) -> list[Fetched]:
    """Each path's response, from one app instance on loopback."""
    async def run() -> list[Fetched]:
        async with serving(create_app(web_settings(database))) as base, aiohttp.ClientSession() as http:
            out = []
            for path in paths:
                async with http.get(base + path) as resp:
                    out.append(Fetched(resp.status, resp.content_type, dict(resp.headers),
                                       await resp.read()))
            return out
    return asyncio.run(run())


def counts(world: PolicyWorld) -> dict[str, int]:
    engine = create_db_engine(world.url)
    try:
        with session_scope(make_session_factory(engine)) as s:
            return store.category_counts(s)
    finally:
        engine.dispose()


def category_path(name: str) -> str:
    return f"/policies/category/{quote(name)}"


def test_the_index_lists_all_18_categories_with_their_counts(world: PolicyWorld) -> None:
    [page] = fetch(world.url, "/policies")
    assert page.status == 200 and page.content_type == "text/html"
    expected = counts(world)
    assert expected["社会保险"] >= 2 and expected["科技创新"] >= 1
    shown = re.findall(r'<a class="category cat-(\d+)" href="([^"]+)"><span class="name">([^<]+)</span>'
                       r'<span class="count">(\d+) 项</span></a>', page.text)
    assert [name for _, _, name, _ in shown] == list(POLICY_CATEGORIES)
    for colour, href, name, n in shown:
        assert href == category_path(name) and int(n) == expected[name]
        assert int(colour) == POLICY_CATEGORIES.index(name)
    assert "示例数据" in page.text and f"共 {sum(expected.values())} 项政策" in page.text


def test_a_category_lists_its_policies_newest_first_and_marks_the_expired(world: PolicyWorld) -> None:
    [page] = fetch(world.url, category_path("社会保险"))
    assert page.status == 200
    html = page.text
    assert "<h1>社会保险</h1>" in html
    assert 0 < html.index(f'href="/policies/{CURRENT}"') < html.index(f'href="/policies/{EXPIRED}"')
    assert "测试工伤待遇调整" in html and "关于调整测试市工伤人员伤残津贴的通知（测试）" in html
    assert world.issuer_name in html and "发布：2024年5月1日" in html
    old = html[html.index(f'href="/policies/{EXPIRED}"'):]
    assert "已失效" in old[:old.index("</a>")]
    current = html[html.index(f'href="/policies/{CURRENT}"'):]
    assert "已失效" not in current[:current.index("</a>")]


def test_an_empty_category_says_so(world: PolicyWorld) -> None:
    empty = "招商引资"  # the sample fills every category: empty one in this private copy
    engine = create_db_engine(world.url)
    try:
        with session_scope(make_session_factory(engine)) as s:
            s.execute(delete(Policy).where(Policy.category == empty))
    finally:
        engine.dispose()
    assert counts(world)[empty] == 0
    [page] = fetch(world.url, category_path(empty))
    assert page.status == 200 and "这个分类暂时没有政策" in page.text


def test_the_policy_page_shows_the_five_parts_in_order(world: PolicyWorld) -> None:
    [page] = fetch(world.url, f"/policies/{CURRENT}")
    assert page.status == 200 and "Content-Security-Policy" in page.headers
    html = page.text
    positions = [html.index(f"<h2>{h}</h2>") for h in HEADINGS]
    assert positions == sorted(positions)
    assert f'<img src="/policies/{CURRENT}/diagram.svg"' in html
    assert "这次调整提高了一至四级工伤人员的伤残津贴。" in html and "10月底前发放到位" in html
    assert html.count('<details class="faq">') == 3
    assert "<summary>一级伤残津贴调整后是多少？</summary>" in html and "每月2481元，比原来多118元。" in html
    assert f'<a href="/cards/unit/{world.issuer_id}">{world.issuer_name}</a>' in html
    assert 'class="button call" href="tel:02422345678,101"' in html and "024-22345678-101" in html
    for text in ("关于调整测试市工伤人员伤残津贴的通知（测试）", "测人社发〔2024〕1号", "2024年5月1日起长期有效",
                 "小型、微型企业；浑南区", "示例数据", 'href="https://rsj.example.gov.cn/notice"'):
        assert text in html
    assert f'href="{category_path("社会保险")}"' in html
    assert "已失效" not in html
    assert ' style="' not in html and "<script" not in html  # the CSP allows neither


def test_an_expired_policy_says_it_is_no_longer_in_force(world: PolicyWorld) -> None:
    [page] = fetch(world.url, f"/policies/{EXPIRED}")
    assert page.status == 200
    assert "已失效" in page.text and "本政策已失效" in page.text and "2019年12月31日" in page.text


@pytest.mark.parametrize("path", ["/policies/NO-SUCH-POLICY", "/policies/NO-SUCH/diagram.svg",
                                  "/policies/NO-SUCH/cover.png", "/policies/bad_code!", "/policies/" + "A" * 33,
                                  category_path("不存在的分类"), category_path("不存在的分类") + "/cover.png"])
def test_unknown_policies_and_categories_get_the_chinese_404_page(world: PolicyWorld, path: str) -> None:
    [page] = fetch(world.url, path)
    assert page.status == 404 and page.content_type == "text/html"
    assert "没有找到" in page.text


def test_the_diagram_and_the_cover_are_images_with_cache_headers(world: PolicyWorld) -> None:
    svg, png, category_png = fetch(world.url, f"/policies/{CURRENT}/diagram.svg", f"/policies/{CURRENT}/cover.png",
                                   category_path("社会保险") + "/cover.png")
    assert svg.status == png.status == category_png.status == 200
    assert svg.content_type == "image/svg+xml" and png.content_type == category_png.content_type == "image/png"
    for image in (svg, png, category_png):
        assert image.headers["Cache-Control"] == "public, max-age=3600"
    root = ET.fromstring(svg.body)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "2481元/月" in svg.text and "024-22345678-101" in svg.text and world.issuer_name in svg.text
    with Image.open(io.BytesIO(png.body)) as picture:
        assert picture.size == (900, 500)


def test_markup_in_a_policy_is_escaped_everywhere(world: PolicyWorld) -> None:
    page, listing, svg = fetch(world.url, f"/policies/{EVIL}", category_path("科技创新"), f"/policies/{EVIL}/diagram.svg")
    for html in (page.text, listing.text):
        assert "<b>" not in html and "&lt;b&gt;加粗&lt;/b&gt;" in html
        assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "javascript:" not in page.text
    ET.fromstring(svg.body)  # well-formed despite the markup
    assert "<script>" not in svg.text and "&lt;script&gt;" in svg.text and "&lt;b&gt;第一步&lt;/b&gt;" in svg.text


def test_the_news_cards_open_existing_pages(world: PolicyWorld) -> None:
    engine = create_db_engine(world.url)
    with session_scope(make_session_factory(engine)) as s:
        policy = store.get_policy(s, CURRENT)
    engine.dispose()
    news = policy_news(policy, "")
    assert news["title"] == "测试工伤待遇调整"
    assert news["description"].startswith("这次调整提高了一至四级工伤人员的伤残津贴。")
    assert f"发布单位：{world.issuer_name}" in news["description"] and "解答电话：024-22345678-101" in news["description"]
    category = category_news("社会保险", 2, "")
    results = fetch(world.url, news["url"], news["picurl"], category["url"], category["picurl"])
    assert [r.status for r in results] == [200, 200, 200, 200]
    assert results[1].content_type == results[3].content_type == "image/png"


def test_the_stylesheet_has_the_diagram_palette() -> None:
    css = (STATIC / "policy.css").read_text(encoding="utf-8")
    for i, colour in enumerate(PALETTE):
        assert f".cat-{i} {{ --cat: {colour}; }}" in css
    assert "max-width: 640px" in css
