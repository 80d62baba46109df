"""The policies aggregate: policies with their FAQ, registered enterprises, push subscriptions and pushes."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from bot.db.base import Base, UTCDateTime, utcnow

# The contract's 18 high-frequency policy categories, in the contract's order.
POLICY_CATEGORIES: tuple[str, ...] = (
    "减税降费", "补助补贴", "企业扶持", "融资信贷", "稳岗就业", "人才引进", "科技创新", "社会保险", "知识产权",
    "市场准入", "工程建设", "外贸外资", "招商引资", "创业扶持", "节能环保", "产业发展", "商贸消费", "交通物流",
)
# Enterprise sizes as the statistics bureau classifies them (大中小微).
SIZES: tuple[str, ...] = ("微型", "小型", "中型", "大型")
# Industry sections of GB/T 4754 (国民经济行业分类) that enterprises and eligibility rules name.
INDUSTRIES: tuple[str, ...] = (
    "农、林、牧、渔业", "采矿业", "制造业", "电力、热力、燃气及水生产和供应业", "建筑业", "批发和零售业",
    "交通运输、仓储和邮政业", "住宿和餐饮业", "信息传输、软件和信息技术服务业", "金融业", "房地产业",
    "租赁和商务服务业", "科学研究和技术服务业", "水利、环境和公共设施管理业", "居民服务、修理和其他服务业",
    "教育", "卫生和社会工作", "文化、体育和娱乐业",
)
# Qualifications an enterprise may hold and a policy may require (any one of them).
TAGS: tuple[str, ...] = (
    "高新技术企业", "科技型中小企业", "专精特新企业", "外贸进出口企业", "个体工商户", "首次创业",
    "重点群体创业", "外商投资企业", "规模以上工业企业", "连锁经营企业",
)


class Policy(Base):
    """A policy with the five parts the platform shows: 图解, 解读, 问答, 发布单位, 解答电话."""

    __tablename__ = "policies"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)  # stable key for import
    title = Column(String(200), nullable=False)
    short_title = Column(String(64), nullable=False, default="")
    doc_number = Column(String(64), nullable=False, default="")  # 文号
    category = Column(String(8), nullable=False, index=True)  # one of POLICY_CATEGORIES
    issuer_id = Column(ForeignKey("units.id", ondelete="RESTRICT"), nullable=False, index=True)
    issued_on = Column(Date, nullable=False)
    effective_on = Column(Date, nullable=False)
    expires_on = Column(Date, nullable=True)  # None: no end date
    full_text = Column(Text, nullable=False)
    interpretation = Column(Text, nullable=False)  # 文字解读, plain language
    keywords = Column(JSON, nullable=False, default=list)  # words users say for it (search, NLU lookups)
    highlights = Column(JSON, nullable=False, default=list)  # [{"label", "value"}]: the diagram's key figures
    steps = Column(JSON, nullable=False, default=list)  # how to apply, in order: the diagram's flow
    eligibility = Column(JSON, nullable=False, default=dict)  # industries/sizes/districts/min_years/max_years/tags
    facts = Column(JSON, nullable=False, default=dict)  # amounts/payer/payment/deadline/eligible/materials/channel/place
    answer_phone = Column(String(32), nullable=False)
    source_url = Column(String(300), nullable=False, default="")
    published_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)  # on this platform (pushes)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    issuer = relationship("Unit", lazy="raise_on_sql")
    faqs = relationship("PolicyFaq", back_populates="policy", order_by="PolicyFaq.position",
                        cascade="all, delete-orphan", lazy="raise_on_sql")


class PolicyFaq(Base):
    """One of a policy's frequent questions (高频问答)."""

    __tablename__ = "policy_faqs"
    __table_args__ = (UniqueConstraint("policy_id", "position"),)

    id = Column(Integer, primary_key=True)
    policy_id = Column(ForeignKey("policies.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    question = Column(Text, nullable=False)
    answer = Column(Text, nullable=False)

    policy = relationship("Policy", back_populates="faqs", lazy="raise_on_sql")


class Enterprise(Base):
    """An enterprise registered under its real name, keyed by its unified social credit code."""

    __tablename__ = "enterprises"

    id = Column(Integer, primary_key=True)
    credit_code = Column(String(18), nullable=False, unique=True)
    name = Column(String(128), nullable=False)
    industry = Column(String(32), nullable=False)
    size = Column(String(8), nullable=False)  # one of SIZES
    district = Column(String(16), nullable=False)
    founded_year = Column(Integer, nullable=True)
    tags = Column(JSON, nullable=False, default=list)  # e.g. 高新技术企业, 专精特新
    contact_name = Column(String(32), nullable=False, default="")
    contact_phone = Column(String(20), nullable=False, default="")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class EnterpriseBinding(Base):
    """A WeChat user bound to an enterprise; a user may bind several and an enterprise have several users."""

    __tablename__ = "enterprise_bindings"
    __table_args__ = (UniqueConstraint("user_id", "enterprise_id"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(String(64), nullable=False, index=True)  # OpenID
    enterprise_id = Column(ForeignKey("enterprises.id", ondelete="CASCADE"), nullable=False, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    enterprise = relationship("Enterprise", lazy="raise_on_sql")


class PushSubscription(Base):
    """A user's wish to receive policy pushes: all categories, or only some."""

    __tablename__ = "push_subscriptions"

    id = Column(Integer, primary_key=True)
    user_id = Column(String(64), nullable=False, unique=True)
    active = Column(Boolean, nullable=False, default=True)
    categories = Column(JSON, nullable=False, default=list)  # empty: every category
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class PolicyPush(Base):
    """One policy pushed (or being pushed) to one user: the unique key means never the same one twice."""

    __tablename__ = "policy_pushes"
    __table_args__ = (UniqueConstraint("user_id", "policy_id"),)

    id = Column(Integer, primary_key=True)
    user_id = Column(String(64), nullable=False, index=True)
    policy_id = Column(ForeignKey("policies.id", ondelete="CASCADE"), nullable=False, index=True)
    enterprise_id = Column(ForeignKey("enterprises.id", ondelete="SET NULL"), nullable=True)
    status = Column(String(16), nullable=False, default="pending")  # pending → sent | failed | skipped
    reason = Column(String(200), nullable=False, default="")  # why it fits, or why it was not sent
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime, nullable=True, index=True)
