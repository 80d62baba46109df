"""What the service-card pages show: a cadre or a unit read from the directory, ready for a template."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.directory import CATEGORIES, LEVELS, Cadre, Matter, Unit, unit_matters

MAX_CADRES = 12  # cadres listed on a unit's card (the rest are found by name in the chat)
MAX_MATTERS = 30
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "赫连", "澹台", "太史",
})
AVATAR_COLOURS = ("#1f6fd1", "#0f9d74", "#c2571a", "#7b4fc9", "#b8336a", "#2b7a99", "#8a6d1f")
_PHONE_PARTS = re.compile(r"\d+")


@dataclass(frozen=True)
class Phone:
    """A phone number as shown and as a ``tel:`` URI (an extension dialled after a pause)."""

    display: str
    tel: str


@dataclass(frozen=True)
class UnitBrief:
    """What a cadre's card shows of the unit."""

    id: int
    name: str
    address: str
    hours: str
    phones: tuple[Phone, ...]


@dataclass(frozen=True)
class CadreCard:
    """A cadre's electronic service card."""

    id: int
    name: str
    position: str
    duties: str
    phone: Optional[Phone]
    photo_url: str
    unit: UnitBrief


@dataclass(frozen=True)
class CadreLine:
    """A cadre listed on a unit's card."""

    id: int
    name: str
    position: str


@dataclass(frozen=True)
class UnitCard:
    """A unit's service card."""

    id: int
    name: str
    category: str
    level: str
    district: str
    duties: str
    phones: tuple[Phone, ...]
    address: str
    hours: str
    website: str
    parent: Optional[tuple[int, str]]
    matters: tuple[str, ...]
    cadres: tuple[CadreLine, ...]
    more_cadres: int


def phone(number: str) -> Optional[Phone]:
    """``024-26474653-101`` → tel:02426474653,101; None when there are no digits."""
    parts = _PHONE_PARTS.findall(number or "")
    if not parts:
        return None
    # area code, number, extension (024-26474653-101): the last group is dialled after a pause.
    if len(parts) >= 3 and parts[0].startswith("0"):
        tel = "".join(parts[:2]) + "," + "".join(parts[2:])
    else:
        tel = "".join(parts)
    prefix = "+" if number.strip().startswith("+") else ""
    return Phone(display=number.strip(), tel=f"tel:{prefix}{tel}")


def _phones(numbers: object) -> tuple[Phone, ...]:
    found = (phone(str(n)) for n in numbers) if isinstance(numbers, list) else ()
    return tuple(p for p in found if p is not None)


def surname(name: str) -> str:
    """The surname shown on a generated avatar (two characters for compound surnames)."""
    name = (name or "").strip()
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1] or "?"


def avatar_colour(key: str) -> str:
    """A stable background colour for an avatar."""
    return AVATAR_COLOURS[hashlib.sha1(key.encode("utf-8")).digest()[0] % len(AVATAR_COLOURS)]


def photo_url(cadre_id: int, photo: str) -> str:
    """The cadre's photo when it is a web address, else the generated avatar (as in the news card)."""
    return photo if photo.startswith(("http://", "https://")) else f"/cards/cadre/{cadre_id}/photo.svg"


def load_cadre(session: Session, cadre_id: int) -> Optional[CadreCard]:
    """A cadre's card, or None."""
    row = session.execute(
        select(Cadre, Unit).join(Unit, Cadre.unit_id == Unit.id).where(Cadre.id == cadre_id)
    ).first()
    if row is None:
        return None
    cadre, unit = row
    return CadreCard(
        id=cadre.id, name=cadre.name, position=cadre.position or "", duties=cadre.duties or "",
        phone=phone(cadre.phone or ""), photo_url=photo_url(cadre.id, cadre.photo or ""),
        unit=UnitBrief(id=unit.id, name=unit.name, address=unit.address or "", hours=unit.hours or "",
                       phones=_phones(unit.phones)),
    )


def cadre_name(session: Session, cadre_id: int) -> Optional[str]:
    """Just the name (for the avatar)."""
    return session.scalar(select(Cadre.name).where(Cadre.id == cadre_id))


def load_unit(session: Session, unit_id: int) -> Optional[UnitCard]:
    """A unit's card with its matters and first cadres, or None."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return None
    parent = None
    if unit.parent_id is not None:
        name = session.scalar(select(Unit.name).where(Unit.id == unit.parent_id))
        parent = (unit.parent_id, name) if name else None
    matters = session.scalars(
        select(Matter.name).join(unit_matters, unit_matters.c.matter_id == Matter.id)
        .where(unit_matters.c.unit_id == unit_id).order_by(Matter.name).limit(MAX_MATTERS)
    ).all()
    cadres = session.execute(
        select(Cadre.id, Cadre.name, Cadre.position).where(Cadre.unit_id == unit_id)
        .order_by(Cadre.id).limit(MAX_CADRES)
    ).all()
    total = session.scalar(select(func.count()).select_from(Cadre).where(Cadre.unit_id == unit_id)) or 0
    return UnitCard(
        id=unit.id, name=unit.name, category=CATEGORIES.get(unit.category, ""),
        level=LEVELS.get(unit.level, ""), district=unit.district or "", duties=unit.duties or "",
        phones=_phones(unit.phones), address=unit.address or "", hours=unit.hours or "",
        website=unit.website if (unit.website or "").startswith(("http://", "https://")) else "",
        parent=parent, matters=tuple(matters),
        cadres=tuple(CadreLine(i, n, p or "") for i, n, p in cadres),
        more_cadres=max(0, total - len(cadres)),
    )
