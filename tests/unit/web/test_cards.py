"""Service-card pages: content from the directory, click-to-dial links, escaping, avatars, 404."""
from __future__ import annotations

import asyncio
from typing import Optional

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.db import make_session_factory, session_scope
from bot.db.directory import Cadre, Unit
from bot.directory.cards import cadre_news
from bot.directory.search import DirectoryIndex, find_cadres
from bot.web.app import create_app
from bot.web.cards import phone, surname
from tests.unit.web.conftest import serving, web_settings


def fetch(database: str, *paths: str) -> list[tuple[int, str, str]]:
    """(status, content type, body) of each path, from one app instance."""
    async def run() -> list[tuple[int, str, str]]:
        async with serving(create_app(web_settings(database))) as base, aiohttp.ClientSession() as http:
            out = []
            for path in paths:
                async with http.get(base + path) as resp:
                    out.append((resp.status, resp.headers.get("Content-Type", ""), await resp.text()))
            return out
    return asyncio.run(run())


def first_cadre(session: Session) -> tuple[Cadre, Unit]:
    row = session.execute(select(Cadre, Unit).join(Unit, Cadre.unit_id == Unit.id)
                          .where(Cadre.phone.like("%-%-%")).order_by(Cadre.id).limit(1)).one()
    return row[0], row[1]


def test_cadre_card_shows_the_person_unit_and_a_dial_button(sample_url: str, session: Session) -> None:
    cadre, unit = first_cadre(session)
    [(status, ctype, page)] = fetch(sample_url, f"/cards/cadre/{cadre.id}")
    assert status == 200 and ctype.startswith("text/html")
    for text in (cadre.name, cadre.position, cadre.duties, unit.name, unit.address, unit.hours,
                 "示例数据", "电子服务名片"):
        assert text in page
    area, number, ext = cadre.phone.split("-")
    assert f'href="tel:{area}{number},{ext}"' in page
    assert f'拨打电话 <span class="number">{cadre.phone}</span>' in page
    assert f'src="/cards/cadre/{cadre.id}/photo.svg"' in page  # the sample has no photos
    assert f'href="/cards/unit/{unit.id}"' in page


def test_generated_avatar_carries_the_surname(sample_url: str, session: Session) -> None:
    cadre, _ = first_cadre(session)
    [(status, ctype, svg)] = fetch(sample_url, f"/cards/cadre/{cadre.id}/photo.svg")
    assert status == 200 and ctype.startswith("image/svg+xml")
    assert svg.startswith("<svg") and f">{cadre.name[0]}</text>" in svg


def test_unit_card_lists_phones_matters_and_cadres(sample_url: str, session: Session) -> None:
    unit = session.scalars(select(Unit).where(Unit.name == "沈阳市住房公积金服务大厅")).one()
    cadre = session.scalars(select(Cadre).where(Cadre.unit_id == unit.id).order_by(Cadre.id)).first()
    [(status, _, page)] = fetch(sample_url, f"/cards/unit/{unit.id}")
    assert status == 200
    for text in (unit.name, unit.address, unit.hours, "公积金提取", "市级政务服务大厅", "示例数据"):
        assert text in page
    for number in unit.phones:
        assert f'href="tel:{number.replace("-", "")}"' in page and number in page
    assert cadre is not None and f'href="/cards/cadre/{cadre.id}"' in page and cadre.name in page


def test_the_news_card_the_assistant_sends_opens_an_existing_page(sample_url: str, session: Session,
                                                                 index: DirectoryIndex) -> None:
    cadre, _ = first_cadre(session)
    entry = next(c for c in find_cadres(session, index, [cadre.name]) if c.id == cadre.id)
    news = cadre_news(entry, "")
    results = fetch(sample_url, news["url"], news["picurl"])
    assert [r[0] for r in results] == [200, 200] and results[1][1].startswith("image/svg+xml")


def test_everything_from_the_directory_is_escaped(empty_engine: Engine) -> None:
    evil = '<script>alert("x")</script>'
    with session_scope(make_session_factory(empty_engine)) as s:
        unit = Unit(code="U-EVIL", name=f"单位{evil}", category="city_department", level="city",
                    duties=f"职能{evil}", phones=['024-1"><b>'], address=f"地址{evil}", hours="全天",
                    website="javascript:alert(1)", aliases=[])
        s.add(unit)
        s.flush()
        s.add(Cadre(code="C-EVIL", name=f"张{evil}", unit_id=unit.id, position=f"职务{evil}",
                    duties=f"职责{evil}", phone='024-12345678"><img src=x>', photo=""))
    url = str(empty_engine.url)
    (c_status, _, cadre_page), (u_status, _, unit_page), (_, _, svg) = fetch(
        url, "/cards/cadre/1", "/cards/unit/1", "/cards/cadre/1/photo.svg")
    assert c_status == u_status == 200
    for page in (cadre_page, unit_page):
        assert "<script>alert" not in page and "&lt;script&gt;" in page
        assert "<b>" not in page and "<img src=x>" not in page and "javascript:" not in page
    assert 'href="tel:02412345678"' in cadre_page  # the dial link keeps only the digits
    assert ">张</text>" in svg


@pytest.mark.parametrize("path", ["/cards/cadre/99999999", "/cards/unit/99999999", "/cards/cadre/99999999/photo.svg",
                                  "/cards/cadre/abc", "/cards/unit/-1"])
def test_unknown_cards_get_the_chinese_404_page(sample_url: str, path: str) -> None:
    [(status, ctype, page)] = fetch(sample_url, path)
    assert status == 404 and ctype.startswith("text/html")
    assert "没有找到" in page and "12345" in page


@pytest.mark.parametrize("number,tel", [
    ("024-26474653-101", "tel:02426474653,101"),
    ("024-26474653", "tel:02426474653"),
    ("12345", "tel:12345"),
    ("138 0000 0000", "tel:13800000000"),
    ("+86 24 2345 6789", "tel:+862423456789"),
    ("", None),
    ("无", None),
])
def test_phone_numbers_become_dial_links(number: str, tel: Optional[str]) -> None:
    result = phone(number)
    assert (result.tel if result else None) == tel


@pytest.mark.parametrize("name,expected", [("张伟", "张"), ("欧阳娜娜", "欧阳"), ("司马光", "司马"), ("", "?")])
def test_avatar_surname(name: str, expected: str) -> None:
    assert surname(name) == expected
