"""The WeChat aggregate: followers, inbound messages (dedupe), outbound deliveries, access tokens."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, Integer, String, Text

from bot.db.base import Base, UTCDateTime, utcnow


class WeChatUser(Base):
    """An Official Account follower, keyed by OpenID."""

    __tablename__ = "wechat_users"

    openid = Column(String(64), primary_key=True)
    subscribed = Column(Boolean, nullable=False, default=True)  # False after unsubscribe: no pushes
    subscribed_at = Column(UTCDateTime)
    unsubscribed_at = Column(UTCDateTime)
    # Customer-service messages are allowed for 48 h after the user's last message, a few at most.
    last_inbound_at = Column(UTCDateTime)
    sent_in_window = Column(Integer, nullable=False, default=0)
    # The last location WeChat reported (LOCATION event) or the user shared.
    latitude = Column(Float)
    longitude = Column(Float)
    location_label = Column(String(200))
    located_at = Column(UTCDateTime)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class InboundMessage(Base):
    """One message or event from WeChat; its unique key makes a retried delivery a no-op."""

    __tablename__ = "wechat_inbound"

    id = Column(Integer, primary_key=True)
    dedupe_key = Column(String(128), nullable=False, unique=True)  # OpenID:MsgId, or OpenID:CreateTime:Event
    openid = Column(String(64), nullable=False, index=True)
    msg_type = Column(String(32), nullable=False)
    event = Column(String(32))
    media_id = Column(String(128))  # voice/image/video evidence kept with the conversation
    content = Column(Text, nullable=False, default="")  # what was sent to the assistant
    # processing → answered (reply passively) | async (budget exceeded) → delivered | failed
    status = Column(String(16), nullable=False, default="processing")
    lease_until = Column(UTCDateTime)  # another worker may take over a stale one
    reply = Column(JSON)  # the assistant's messages, as Rasa produced them
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    answered_at = Column(UTCDateTime)


class Delivery(Base):
    """Every message sent to a user through WeChat's API, with its outcome."""

    __tablename__ = "wechat_deliveries"

    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(160), unique=True)  # the same logical message is sent once
    openid = Column(String(64), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # custom | template
    purpose = Column(String(32), nullable=False)  # reply | complaint | policy_push | ...
    payload = Column(JSON, nullable=False)
    status = Column(String(16), nullable=False, default="pending")  # pending | sent | failed | skipped
    errcode = Column(Integer)
    errmsg = Column(String(400))
    attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime)


class AccessToken(Base):
    """The account's access_token, shared by every process."""

    __tablename__ = "wechat_tokens"

    app_id = Column(String(64), primary_key=True)
    token = Column(Text)
    expires_at = Column(UTCDateTime)
    refreshing_until = Column(UTCDateTime)  # a lease: one process fetches at a time
