"""Which service a question is for, read from its wording: used when the NLU is unsure of the intent,
when a policy question plainly asks who handles something, and when a contact question is about a policy."""
from __future__ import annotations

import re

# "who handles it, where, which phone": the directory's questions
_CONTACT = re.compile(r"找谁|找哪|哪个部门|哪个单位|哪个窗口|什么部门|谁管|归哪|哪管|哪办|哪里办|哪儿办|在哪|去哪|上哪|"
                      r"电话|地址|几点|上班|下班|咋走|怎么走|怎么去")
# "what does a policy give, to whom, on which terms": the policy library's questions
_POLICY = re.compile(r"政策|补贴|补助|扶持|优惠|奖励|奖补|减免|缓缴|缓交|津贴|待遇|贴息|退税|费率|多少钱|标准|条件|额度|比例")


def asks_for_contact(text: str) -> bool:
    """True when the wording asks who handles something, where, or their phone."""
    return bool(_CONTACT.search(text))


def asks_about_policy(text: str) -> bool:
    """True when the wording asks what a policy gives or on which terms."""
    return bool(_POLICY.search(text))


def names_policy(text: str) -> bool:
    """True when the question speaks of a policy outright ("这个政策是哪个部门发的")."""
    return "政策" in text
