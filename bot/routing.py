"""Which service a question is for, read from its wording: used when the NLU is unsure of the intent,
when a policy question plainly asks who handles something, and when a contact question is about a policy."""
from __future__ import annotations

import re

from bot.policies.questions import canon, question_types  # the policy library's reading of the kind asked

# "who handles it, where, which phone": the directory's questions
_CONTACT = re.compile(r"找谁|找哪|哪个部门|哪个单位|哪个窗口|什么部门|谁管|归哪|哪管|哪办|哪里办|哪儿办|在哪|去哪|上哪|往哪|到哪|"
                      r"举报哪|投诉哪|向哪|跟哪|的地方|哪个地方|啥地方|什么地方|"
                      r"电话|地址|几点|上班|下班|咋走|怎么走|怎么去")
# "what does a policy give, to whom, on which terms": the policy library's questions
_POLICY = re.compile(r"政策|补贴|补助|扶持|优惠|奖励|奖补|减免|缓缴|缓交|津贴|待遇|贴息|退税|费率|多少钱|标准|条件|额度|比例")


def asks_for_contact(text: str) -> bool:
    """True when the wording asks who handles something, where, or their phone."""
    return bool(_CONTACT.search(text))


def asks_about_policy(text: str) -> bool:
    """True when the wording asks what a policy gives or on which terms."""
    return bool(_POLICY.search(text))


POLICY_KINDS = frozenset({"amount", "payer", "time", "eligibility"})  # what a rule says, not what an office does
HOW_KINDS = frozenset({"steps", "materials"})  # what a policy's steps say ("where" is an office's card)
_OFFICE = re.compile(r"电话|号码|地址|几点|上班|下班|找谁|哪个部门|哪个单位|什么部门|谁管|咋走|怎么走")


def asks_how(text: str) -> bool:
    """True when the wording asks how to apply or what to bring ("稳岗返还咋申请 网上能办不"), not for a
    phone, an address, hours or the office in charge."""
    kinds = question_types(canon(text))
    return bool(kinds & HOW_KINDS) and "place" not in kinds and not _OFFICE.search(text)


def asks_rule(text: str) -> frozenset[str]:
    """What of a rule the wording asks ("最多能贷多少", "钱谁出", "啥时候发", "我们能享受吗": a policy's
    amount, payer, date or conditions rather than an office), empty when it asks for a phone or a place."""
    return frozenset() if asks_for_contact(text) else question_types(canon(text)) & POLICY_KINDS


def names_policy(text: str) -> bool:
    """True when the question speaks of a policy outright ("这个政策是哪个部门发的")."""
    return "政策" in text


# How a government window or cadre treated the user: the complaint form's matter.
_CONDUCT = re.compile(r"态度|窗口|工作人员|办事员|干部|大姐|大哥|小姑娘|小伙|他们|那人|那个人|推诿|扯皮|刁难|不作为|乱作为|"
                      r"吃拿卡要|好处|甩脸|爱答不理|爱搭不理|不理人|跑了|来回跑|拖着|不给办|不办|墨迹|磨蹭|效率|慢|冲|横|骂|"
                      r"打不通|没人接|没人来|没动静|没人管|没回复|不回复|不回|办不了|不接了|号满|白跑|折腾|难听|怼|推来推去|"
                      r"不一次性|说法不一样|唠嗑|干等|不给看|不在岗|系统维护|系统升级|不在这办|让我去别|让我回去|让我明天再来|"
                      r"白排|也不说|不说全|不告诉")
# Who serves at a window: a complaint about them is about how the user was treated.
_SERVED_BY = re.compile(r"窗口|工作人员|办事员|民警|警察|干部|柜员|业务员|科长|主任|领导|大厅")
_COMPLAINING = re.compile(r"投诉|举报|告他|告她|反映|管不管|曝光")
# A complaint's own answers: saying how to be reached or whether to stay anonymous is filing one.
_FILING = re.compile(r"匿名|实名|不留名|留个?电话|电话\s*1[3-9]\d{9}|回访")
# A message this long is a story; one with two of the conduct words above tells a complaint
# ("…到现在也没人来 … 工作人员就一句话等着吧").
STORY_LENGTH = 30
# Conduct that is a complaint by itself, without the word 投诉 ("工作人员故意刁难我").
_MISCONDUCT = re.compile(r"推诿|扯皮|刁难|不作为|乱作为|吃拿卡要|索要|好处费|甩脸|爱答不理|爱搭不理|不理人|骂人|骂我|"
                         r"态度[^，,。\s]{0,3}(?:差|不好|恶劣|冲|横|蛮横)|说话[^，,。\s]{0,3}(?:冲|难听|横|凶|不客气)|"
                         r"不耐烦|玩手机|吼我|凶我|训我|故意|推来推去|怼|唠嗑|干等|白跑|没人管")
# Where to take a matter (not its phone: "电话也打不通" is a complaint).
_WHERE = re.compile(r"找谁|找哪|哪个部门|哪个单位|什么部门|谁管|归哪|哪管|哪办|哪里办|哪儿办|在哪|去哪|上哪|往哪|到哪|"
                    r"举报哪|投诉哪|向哪|跟哪|的地方|哪个地方|啥地方|什么地方")
_UNTOLD = re.compile(r"(?:不说|没说|不告诉|没告诉|不讲|没讲|不知道)[^，,。\s]{0,6}")
# What asks after a ticket of the user's own ("我那个投诉到哪了", "TS2025… 进度").
_TICKET = re.compile(r"投诉|举报|反映|工单|单号|进度|进展|结果|回复|回音|处理|答复|TS\d|怎么样了|咋样了|到哪了|到哪一步")
# The act of complaining or asking where, which says nothing of what is reported.
_ASKING = re.compile(r"我要|我想|想要|请问|怎么|咋|去哪|往哪|在哪|上哪|找谁|找哪|哪个部门|哪个单位|归哪|哪管|谁管|"
                     r"投诉|举报|反映|反应|打什么电话|电话|办理|办|一下|啊|呢|吗|呀|吧|的|了|儿")
# Intents that start a form; a question where to take a matter must not start one.
FORM_INTENTS = ("complain", "register_enterprise", "rate_service")
OVERLONG = "message_too_long"  # the channel cut the message (metadata ``overlong``): answered politely
# What each form's intent needs to be said for the form to start.
_FORM_WORDS = {
    "complain": re.compile(r"投诉|举报|反映|告|曝光|态度|差|慢|不|没|太|气|难|烂|坑|骂|凶|冲|横|推|拖|跑|乱|骗"),
    "rate_service": re.compile(r"评价|评分|打分|打个分|打.{0,2}分|满分|星|好评|差评|点赞|表扬|满意|评个|评一评"),
    "register_enterprise": re.compile(r"注册|绑定|认证|实名|入驻|登记|企业信息|公司信息|修改"),
}
# Intents the NLU gives to short messages that, when they name a unit, a cadre or a matter, ask about it
# ("惠天热电客服电话", "陈雅峰是干啥的", "工程审批大厅鲁颖").
SMALL_TALK_INTENTS = ("human_handoff", "find_nearby", "help", "bot_challenge", "greet", "goodbye", "thank", "out_of_scope",
                      "affirm")
_HANDOFF = re.compile(r"人工|真人|转接|接线|坐席|客服人员|跟工作人员说|跟人说|找个人|找人|给我打电话|打电话给我|回电话|回个电话|"
                      r"不跟机器|机器人")
# "不对呀", "也不是", "不用了谢谢": a no, whatever the yes-word or thanks in it made the NLU think.
_NEGATED = re.compile(r"^\W*(也|还|都|可)?(不|没)(对|是|行|可以|好|要|用|需要|必要)")
_TICKET_ID = re.compile(r"TS\d{12}", re.I)
_NUMBER_ONLY = re.compile(r"(第)?([0-9]{1,2}|[一二三四五六七八九十两])(个|号|项|条|颗星|星)?[。.!！]?")
_PHONE_ONLY = re.compile(r"(?:电话|手机|手机号|号码|联系方式)?[是为:：\s]*(?:1[3-9]\d{9}|0\d{2,3}[-—\s]?\d{7,8})[。.！!]?")
_STOPPING = re.compile(r"取消|算了|不[评投办弄要用想整搞说需填继注绑]|别[评投办弄整问继]|中止|到此为止|结束|退出|停|拉倒|放弃|撤回|"
                       r"撤销|先这样|再说吧|没事了|重新来|终止|"
                       r"不了|cancel|stop|quit", re.IGNORECASE)
ANSWER = "inform"  # a bare number answers the question asked, whatever DIET read into it
_HANDOFF_ONLY = re.compile(r"我要|我想|找|联系|一下|客服|电话|号码|的|吗|呢|啊")  # "供电公司客服" names more than a wish
_YES = re.compile(r"好|对|是|嗯|行|可以|确认|没错|OK|ok|中|妥")
_YES_NO_QUESTION = re.compile(r"^[^不没].*[不没吗][？?]?$")  # "能办不": asks; "不用了": answers
_NEARBY = re.compile(r"最近|附近|离我|周边|就近|近点|近一点")
# A follow-up about the unit just given ("周末能办不", "那电话呢", "网址发一下").
_FOLLOW_UP = re.compile(r"几点|下班|上班|营业时间|周末|周六|周日|礼拜|中午|午休|电话|号码|地址|在哪|网站|网址|官网|网上办|"
                        r"管啥|管些啥|干啥的|材料|带啥|要带|再发|再说一遍|没看着|没看到")
MAX_FOLLOW_UP = 20


def routed_intent(text: str, intent: str, mentions: "set[str] | frozenset[str]" = frozenset(),
                  bare: "str | None" = None) -> "str | None":
    """The intent a message should have where the NLU's would answer the wrong question (mostly
    ``find_contact``); None when the NLU's stands.

    - ``inform`` (sure) for a bare number or choice ("1", "第二个", "5星"): an answer, never a goodbye.
    - ``deny`` for a yes or thanks said with a no ("不对呀", "不用了谢谢"); ``check_complaint`` for a
      ticket number asked after.
    - ``find_contact`` for a form's intent read from a question that asks where to take a matter ("拖欠工资去哪投诉",
      "楼下厂子冒黑烟往哪举报", "公司换法人了变更登记去哪办") and says nothing of how a window or cadre
      served the user; or from a message without the words the form is about that names a unit,
      a cadre or a matter ("大东区税务局的张丽 窗口负责人" is no rating). Those words are looked for in
      ``bare``, the text without the directory's names (燃气公司 says nothing of 气).
    - A complaint about a matter of someone else's ("工厂冒黑烟 我要举报") that names no unit or cadre
      and nothing of how a window served the user.
    - A policy recommendation or a status check read from a where-question that names a unit or a
      matter and no ticket.
    - ``complain`` (made sure, whatever DIET's confidence) for a complaint, an answer or a contact question that
      complains of how a window or cadre treated the user ("派出所户籍窗口民警给我甩脸子 投诉谁",
      "工作人员故意刁难我") and does not ask where to take a matter; ``human_handoff`` for a contact
      question that asks for a person and names nothing of the directory's ("安排人给我打电话").
    - Small talk's intents for a message that names a unit, a cadre or a matter (``mentions``: what
      the NLU found, "unit", "person", "matter" or "service_item"), unless it asks for a person
      ("转人工") or the nearest hall; and for a short follow-up about the unit just given, also when
      read as a no ("周末能办不").
    """
    if _NUMBER_ONLY.fullmatch(text.strip()) or _PHONE_ONLY.fullmatch(text.strip()):
        return ANSWER  # "1", "5", "第二个", "13900007878": the answer to a question, never a goodbye
    if intent in ("affirm", "thank") and _NEGATED.search(text):
        return "deny"
    if intent != "check_complaint" and _TICKET_ID.search(text) and _TICKET.search(_TICKET_ID.sub("", text)):
        return "check_complaint"  # "TS202611230008处理到哪一步"
    if intent not in ("complain", "check_complaint", "judge_handling") and complains_of_treatment(text, mentions) \
            and not (intent == "rate_service" and _FORM_WORDS[intent].search(text)):
        return "complain"  # a complaint read as a question, an answer or small talk; a low rating stays one
    if intent in FORM_INTENTS:
        if _asks_where(text) and not _CONDUCT.search(text):
            rest = _ASKING.sub("", re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", text))
            if len(rest) >= 2:
                return "find_contact"
        if not _FORM_WORDS[intent].search(text if bare is None else bare) and (mentions or _is_follow_up(text)):
            return "find_contact"
        if intent == "complain" and "matter" in mentions and not mentions & {"unit", "person"} \
                and not _CONDUCT.search(text):
            return "find_contact"  # "工厂冒黑烟 我要举报": a report about a third party goes to its department
        return "complain" if intent == "complain" and complains_of_treatment(text, mentions) else None
    if intent == "find_contact":  # a wish to talk to a person, read as a contact question
        return "human_handoff" if _HANDOFF.search(text) and not mentions else None
    if intent == "recommend_policy":  # "专精特新企业申报归哪个局": where, not which policies fit
        return "find_contact" if mentions and _WHERE.search(text) and not _POLICY.search(text) else None
    if intent in ("deny", "stop"):  # "周末能办不", "中午休息不": a question about the unit, not a no
        if _is_follow_up(text) and _YES_NO_QUESTION.search(text):
            return "find_contact"
        return ANSWER if intent == "stop" and not _STOPPING.search(text) else None  # "说两句 取号那块引导不清楚"
    if intent == "check_complaint":  # "商标注册沈阳有受理的地方吗" asks where, not after a ticket
        return "find_contact" if mentions and _WHERE.search(text) and not _TICKET.search(text) else None
    if intent in SMALL_TALK_INTENTS:
        if intent == "human_handoff" and _HANDOFF.search(text) or intent == "find_nearby" and _NEARBY.search(text):
            return None
        if intent == "affirm":  # a cadre's name alone ("夏长鹏") is no "yes"
            return "find_contact" if "person" in mentions and not _YES.search(text) else None
        if mentions or _is_follow_up(text):
            return "find_contact"
        if intent == "find_nearby":  # "北方有限营业厅", "审北新区政务服务中心": a place by (misspelt) name
            return "find_contact"
        if intent == "human_handoff" and len(_HANDOFF_ONLY.sub("", re.sub(r"\W", "", text))) >= 2:
            return "find_contact"  # "供电公斯客服": the customer service of a unit
    return None


# Requests that a form sets aside to answer, then asks its pending question again (data/rules/interruptions.yml).
ASIDE_INTENTS = frozenset({"check_complaint", "find_contact", "find_nearby", "ask_policy", "recommend_policy",
                           "out_of_scope", "human_handoff"})
_NOT_ABOUT_IT = frozenset({"check_complaint", "out_of_scope", "human_handoff"})  # never what happened
_QUESTION = re.compile(r"[？?]|吗|呢|么|啥|什么|怎么|咋|哪|几|多少|谁|还是|[不没][？?。]?$|([能会可要有是])[不没]\1")


def asks_aside(intent: str, text: str, free_text: bool) -> bool:
    """True when a message inside a form asks for something else ("我刚才那个投诉现在啥进度",
    "沈阳明天下雨不", "转人工", "营业执照去哪办"): a contact or policy intent only when the message asks
    (a statement read as one is for the form: "另外他们还把我的身份证复印件弄丢了"). Where the form asks what
    happened (``free_text``), a message that complains of anything is what happened ("窗口的人让我去哪补材料都不说")."""
    if intent not in ASIDE_INTENTS:
        return False
    if free_text and (_CONDUCT.search(text) or _MISCONDUCT.search(text)
                      or _COMPLAINING.search(text) and intent != "check_complaint"):
        return False
    return intent in _NOT_ABOUT_IT or bool(_QUESTION.search(text))


def complains_of_treatment(text: str, mentions: "set[str] | frozenset[str]" = frozenset()) -> bool:
    """True when the text complains of how a window or cadre treated the user and does not ask where to
    take a matter ("婚姻登记处的工作人员骂人 投诉", "派出所户籍窗口民警给我甩脸子 投诉谁"): with a word of
    complaining, of misconduct or of a complaint's answers (匿名, 电话), or as a story of two or more
    such things told about a unit ("沈阳燃气大东营业厅 … 到现在也没人来 … 工作人员就一句话等着吧")."""
    conduct = {m.group(0) for m in _CONDUCT.finditer(text)}
    said = _COMPLAINING.search(text) or _MISCONDUCT.search(text) or _FILING.search(text)
    served = (mentions & {"unit", "person"} or _SERVED_BY.search(text)
              or _COMPLAINING.search(text) and ("matter" in mentions or len(text) >= STORY_LENGTH))
    treated = conduct and served
    told = len(conduct) >= 2 and len(text) >= STORY_LENGTH and "?" not in text and "？" not in text
    return bool(treated and (said or told) and not _asks_where(text))


def _asks_where(text: str) -> bool:
    """A question where to take a matter; a where-word inside a long story ("我都六十了上哪会整那玩意") is none."""
    text = _UNTOLD.sub(" ", text)  # "也不说去哪": what was not told, not a question
    return bool(_WHERE.search(text) and (len(text) < STORY_LENGTH or _WHERE.search(text[-STORY_LENGTH // 2:])))


def _is_follow_up(text: str) -> bool:
    return len(text) <= MAX_FOLLOW_UP and bool(_FOLLOW_UP.search(text))
