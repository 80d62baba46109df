"""Which service a question is for, read from its wording: used when the NLU is unsure of the intent,
when a policy question plainly asks who handles something, and when a contact question is about a policy."""
from __future__ import annotations

import re

# "who handles it, where, which phone": the directory's questions
_CONTACT = re.compile(r"找谁|找哪|哪个部门|哪个单位|哪个窗口|什么部门|谁管|归哪|哪管|哪办|哪里办|哪儿办|在哪|去哪|上哪|往哪|"
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


# How a government window or cadre treated the user: the complaint form's matter.
_CONDUCT = re.compile(r"态度|窗口|工作人员|办事员|干部|大姐|大哥|小姑娘|小伙|他们|那人|那个人|推诿|扯皮|刁难|不作为|乱作为|"
                      r"吃拿卡要|好处|甩脸|爱答不理|爱搭不理|不理人|跑了|来回跑|拖着|不给办|不办|墨迹|磨蹭|效率|慢|冲|横|骂")
# The act of complaining or asking where, which says nothing of what is reported.
_ASKING = re.compile(r"我要|我想|想要|请问|怎么|咋|去哪|往哪|在哪|上哪|找谁|找哪|哪个部门|哪个单位|归哪|哪管|谁管|"
                     r"投诉|举报|反映|反应|打什么电话|电话|办理|办|一下|啊|呢|吗|呀|吧|的|了|儿")
# Intents that start a form; a question where to take a matter must not start one.
FORM_INTENTS = ("complain", "register_enterprise", "rate_service")


def routed_intent(text: str, intent: str) -> "str | None":
    """``find_contact`` when a form's intent was read from a question that asks where to take a matter
    ("拖欠工资去哪投诉", "楼下厂子冒黑烟往哪举报", "公司换法人了变更登记去哪办", "这事归哪管") and says nothing
    of how a window or cadre served the user; None when the NLU's intent stands."""
    if intent not in FORM_INTENTS or not asks_for_contact(text) or _CONDUCT.search(text):
        return None
    rest = _ASKING.sub("", re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", text))
    return "find_contact" if len(rest) >= 2 else None
