"""WeChat news cards for policies: one policy, or one category's list (the payload bot.wechat.render sends)."""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.db.policies import Policy

if TYPE_CHECKING:
    from bot.policies.search import PolicyEntry

SUMMARY_CHARS = 60  # characters of the interpretation on a card; the rest is on the policy's page


def _clip(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def policy_url(policy_code: str, public_url: str) -> str:
    """The policy's public page."""
    return f"{public_url}/policies/{policy_code}"


def category_url(category: str, public_url: str) -> str:
    """A category's public list (the name percent-encoded)."""
    return f"{public_url}/policies/category/{quote(category, safe='')}"


def policy_news(policy: "Policy | PolicyEntry", public_url: str) -> dict[str, str]:
    """A policy as a news article linking to its page (diagram, interpretation, FAQ, issuer, click-to-dial)."""
    issuer = policy.issuer if isinstance(policy.issuer, str) else policy.issuer.name
    page = policy_url(policy.code, public_url)
    return {
        "title": policy.short_title or policy.title,
        "description": f"{_clip(policy.interpretation)} 发布单位：{issuer} 解答电话：{policy.answer_phone}",
        "url": page,
        "picurl": f"{page}/cover.png",
    }


def category_news(category: str, count: int, public_url: str) -> dict[str, str]:
    """A category's policies as a news article linking to the category's list."""
    page = category_url(category, public_url)
    description = (f"共{count}项{category}类政策，每项都有政策图解、文字解读、高频问答和解答电话。" if count
                   else f"{category}类政策正在整理中，敬请关注。")
    return {"title": f"{category}政策汇总", "description": description, "url": page, "picurl": f"{page}/cover.png"}
