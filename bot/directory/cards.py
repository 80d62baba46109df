"""Electronic service cards: the short texts that show a unit or a cadre on a phone screen."""
from __future__ import annotations

from typing import Iterable, Sequence

from bot.directory.search import CadreEntry, MatterEntry, UnitEntry, UnitHit

MAX_DUTIES = 60  # characters of duties shown on a card; the rest is on the unit's page


def _clip(text: str, limit: int = MAX_DUTIES) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unit_card(hit: UnitHit, aspects: Iterable[str] = ()) -> str:
    """A unit: name, what it handles that is relevant, phone, address, hours (and website if asked)."""
    unit = hit.unit
    lines = [f"【{unit.name}】"]
    if hit.matters:
        lines.append(f"可办理：{'、'.join(hit.matters[:3])}")
    elif "duties" in aspects or not hit.matters:
        lines.append(f"职能：{_clip(unit.duties)}")
    lines.append(f"电话：{'，'.join(unit.phones)}")
    lines.append(f"地址：{unit.address}")
    lines.append(f"办公时间：{unit.hours}")
    if unit.website and "website" in aspects:
        lines.append(f"网址：{unit.website}")
    return "\n".join(lines)


def bundle_steps(steps: Sequence[tuple[MatterEntry, UnitEntry]], limit: int = 6) -> str:
    """A bundle's matters, those of one unit together: "1. 营业执照办理、食品经营许可\n   单位，电话 …"."""
    lines: list[tuple[list[str], UnitEntry]] = []
    for matter, unit in steps:
        same = next((line for line in lines if line[1].id == unit.id), None)
        if same:
            same[0].append(matter.name)
        else:
            lines.append(([matter.name], unit))
    return "\n".join(
        f"{i}. {'、'.join(names)}\n   {unit.name}" + (f"，电话 {unit.phones[0]}" if unit.phones else "")
        for i, (names, unit) in enumerate(lines[:limit], 1)
    )


def matter_choices(hits: Sequence[UnitHit]) -> str:
    """Numbered likely matters, each with its unit and first phone."""
    return "\n".join(
        f"{i}. {h.matters[0] if h.matters else h.unit.name}：{h.unit.name} {h.unit.phones[0] if h.unit.phones else ''}".rstrip()
        for i, h in enumerate(hits, 1)
    )


def cadre_card(cadre: CadreEntry) -> str:
    """A cadre's service card: name, unit, position, duties, phone."""
    return "\n".join([
        f"【服务名片】{cadre.name}",
        f"单位：{cadre.unit.name}",
        f"职务：{cadre.position}",
        f"职责：{_clip(cadre.duties)}",
        f"电话：{cadre.phone}",
    ])


def short_list(units: Sequence[UnitEntry]) -> str:
    """Numbered alternatives, one line each with the first phone."""
    return "\n".join(f"{i}. {u.name} {u.phones[0] if u.phones else ''}".rstrip() for i, u in enumerate(units, 1))


def cadre_choices(cadres: Sequence[CadreEntry]) -> str:
    """Numbered units of several cadres with the same name."""
    return "\n".join(f"{i}. {c.unit.name}（{c.position}）" for i, c in enumerate(cadres, 1))


def nearby_list(places: Sequence[tuple[UnitEntry, float]]) -> str:
    """Nearest halls with distance, phone and address."""
    lines = []
    for i, (unit, metres) in enumerate(places, 1):
        dist = f"{metres / 1000:.1f}公里" if metres >= 1000 else f"{int(metres)}米"
        lines.append(f"{i}. {unit.name}（约{dist}）\n   电话：{unit.phones[0] if unit.phones else ''}\n   地址：{unit.address}")
    return "\n".join(lines)


def halls_list(units: Sequence[UnitEntry]) -> str:
    """A district's centres, without distances."""
    return "\n".join(f"{i}. {u.name}\n   电话：{u.phones[0] if u.phones else ''}\n   地址：{u.address}" for i, u in enumerate(units, 1))


def cadre_news(cadre: CadreEntry, public_url: str) -> dict[str, str]:
    """A cadre's service card as a news article linking to the card page (photo, click-to-dial)."""
    page = f"{public_url}/cards/cadre/{cadre.id}"
    return {
        "title": f"服务名片｜{cadre.name} · {cadre.unit.name}",
        "description": f"{cadre.position}\n职责：{_clip(cadre.duties, 40)}\n电话：{cadre.phone}",
        "url": page,
        "picurl": cadre.photo if cadre.photo.startswith("http") else f"{page}/photo.svg",
    }
