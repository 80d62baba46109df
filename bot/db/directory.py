"""The directory aggregate: service units, their cadres and the matters they handle."""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from bot.db.base import Base

# The contract's five categories, keyed by the code used in files and the database.
CATEGORIES: dict[str, str] = {
    "city_hall": "市级政务服务大厅",
    "district_center": "区县（市）政务服务中心",
    "city_department": "市直单位",
    "public_enterprise": "公共企事业单位窗口分公司",
    "district_unit": "区县直属单位",
}
LEVELS: dict[str, str] = {"city": "市级", "district": "区县级", "street": "街道乡镇级"}
# Where a catalogue matter is handled: the level of the unit of its kind that serves a person.
MATTER_LEVELS: dict[str, str] = {
    "city": "市级单位办理",
    "district": "各区县（市）分别办理",
    "street": "街道（乡镇）便民服务中心就近办理",
    "utility": "公共企事业单位的营业厅办理",
}
DISTRICTS: tuple[str, ...] = (
    "和平区", "沈河区", "大东区", "皇姑区", "铁西区", "苏家屯区", "浑南区",
    "沈北新区", "于洪区", "辽中区", "新民市", "康平县", "法库县",
)

unit_matters = Table(
    "unit_matters",
    Base.metadata,
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(Base):
    """A service unit: a hall, a centre, a department, a utility window or a district unit."""

    __tablename__ = "units"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)  # stable key for import/export
    name = Column(String(128), nullable=False)
    short_name = Column(String(64), nullable=True)
    aliases = Column(JSON, nullable=False, default=list)  # other names people use
    category = Column(String(32), nullable=False, index=True)  # a key of CATEGORIES
    # What sort of unit it is (MSA 市场监管, HRSS 人社, STREET 便民服务中心…): matters name kinds, not units.
    kind = Column(String(32), nullable=False, default="", index=True)
    level = Column(String(16), nullable=False)  # a key of LEVELS
    district = Column(String(16), nullable=True, index=True)  # None for city-wide units
    parent_id = Column(ForeignKey("units.id", ondelete="SET NULL"), nullable=True)
    duties = Column(Text, nullable=False, default="")  # 对外服务职能
    phones = Column(JSON, nullable=False, default=list)
    address = Column(String(256), nullable=False, default="")
    hours = Column(String(128), nullable=False, default="")
    website = Column(String(256), nullable=False, default="")
    latitude = Column(Float, nullable=True)
    longitude = Column(Float, nullable=True)

    parent = relationship("Unit", remote_side=[id], lazy="raise_on_sql")
    cadres = relationship("Cadre", back_populates="unit", lazy="raise_on_sql")
    matters = relationship(
        "Matter", secondary=unit_matters, back_populates="units", lazy="raise_on_sql"
    )


class Cadre(Base):
    """A service cadre with an electronic service card."""

    __tablename__ = "cadres"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(32), nullable=False, index=True)
    unit_id = Column(ForeignKey("units.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(String(64), nullable=False, default="")
    duties = Column(Text, nullable=False, default="")
    phone = Column(String(32), nullable=False, default="")
    photo = Column(String(256), nullable=False, default="")

    unit = relationship("Unit", back_populates="cadres", lazy="raise_on_sql")


class Matter(Base):
    """A matter (service item) people come to handle, with the words they use for it."""

    __tablename__ = "matters"
    __table_args__ = (UniqueConstraint("name"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(64), nullable=False)
    synonyms = Column(JSON, nullable=False, default=list)
    description = Column(Text, nullable=False, default="")
    # True when each district handles it for its own residents, so the district matters.
    per_district = Column(Boolean, nullable=False, default=False)
    # The catalogue: which kinds of unit handle it (most specific first) and at which level
    # (a key of MATTER_LEVELS); units of those kinds handle it without being linked one by one.
    kinds = Column(JSON, nullable=False, default=list)
    level = Column(String(16), nullable=False, default="")
    examples = Column(JSON, nullable=False, default=list)  # things people say when they mean it
    materials = Column(JSON, nullable=False, default=list)  # what to bring, where public

    units = relationship(
        "Unit", secondary=unit_matters, back_populates="matters", lazy="raise_on_sql"
    )


class Bundle(Base):
    """A "高效办成一件事" bundle: several matters done together for one business or life event."""

    __tablename__ = "bundles"
    __table_args__ = (UniqueConstraint("name"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(64), nullable=False)
    aliases = Column(JSON, nullable=False, default=list)  # everyday words: 奶茶店, 开民宿, 生孩子
    examples = Column(JSON, nullable=False, default=list)
    matters = Column(JSON, nullable=False, default=list)  # matter names in the order to do them
    where = Column(Text, nullable=False, default="")  # where to apply for the bundle as a whole
    description = Column(Text, nullable=False, default="")
