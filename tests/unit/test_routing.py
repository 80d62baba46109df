"""Reading from a question's wording which service it is for."""
from __future__ import annotations

import pytest

from bot.routing import asks_about_policy, asks_aside, asks_for_contact, routed_intent


@pytest.mark.parametrize("text", ["社保转移找谁办", "税务局几点下班", "公积金中心地址", "这事归哪管", "医保报销上哪办去"])
def test_contact_questions(text: str) -> None:
    assert asks_for_contact(text) and not asks_about_policy(text)


@pytest.mark.parametrize("text", ["社保费能缓缴不", "小微企业有啥优惠", "伤残津贴多少钱", "申请条件是什么"])
def test_policy_questions(text: str) -> None:
    assert asks_about_policy(text) and not asks_for_contact(text)


def test_both_and_neither() -> None:
    assert asks_for_contact("这个补贴找哪个部门申请") and asks_about_policy("这个补贴找哪个部门申请")
    assert not asks_for_contact("嗯嗯好的") and not asks_about_policy("嗯嗯好的")


@pytest.mark.parametrize("text", [
    "拖欠工资去哪投诉", "楼下厂子天天冒黑烟 往哪举报", "公司换法人了 变更登记去哪办", "饭店卫生太差了去哪举报",
    "邻居在院里私搭乱建 这事归哪管",
])
def test_where_to_take_a_matter_is_no_form(text: str) -> None:
    assert routed_intent(text, "complain") == "find_contact"
    assert routed_intent(text, "register_enterprise") == "find_contact"


@pytest.mark.parametrize("text, intent", [
    ("社保窗口态度差 怎么投诉他们", "complain"),
    ("税务局办事的让我跑了三趟 怎么投诉他们", "complain"),
    ("在哪投诉", "complain"),
    ("我要投诉沈河区税务局", "complain"),
    ("企业实名注册", "register_enterprise"),
    ("拖欠工资去哪投诉", "ask_policy"),  # only the forms' intents are rerouted
])
def test_complaints_about_a_window_keep_their_intent(text: str, intent: str) -> None:
    assert routed_intent(text, intent) in (None, intent)  # kept, or made sure


@pytest.mark.parametrize("text, intent", [
    ("惠天热电客服电话", "human_handoff"),
    ("工程审批大厅鲁颖", "find_nearby"),
    ("陈雅峰是干啥的", "bot_challenge"),
    ("大东区税务局的张丽 窗口负责人", "rate_service"),
    ("关海梅 燃气公司的", "register_enterprise"),
])
def test_a_message_naming_the_directory_asks_about_it(text: str, intent: str) -> None:
    assert routed_intent(text, intent, {"person"}) == "find_contact"


@pytest.mark.parametrize("text, intent", [
    ("转人工", "human_handoff"),
    ("我要找人工客服 税务局的事", "human_handoff"),
    ("离我最近的政务服务中心在哪", "find_nearby"),
    ("给沈河区税务局打五星", "rate_service"),
    ("投诉沈河区税务局", "complain"),
    ("你是谁", "bot_challenge"),
])
def test_what_the_intent_is_for_stays(text: str, intent: str) -> None:
    mentions = {"unit"} if "局" in text or "中心" in text else set()
    assert routed_intent(text, intent, mentions) is None


@pytest.mark.parametrize("text", ["周末能办不", "那电话呢 我先打个问问", "网址发一下"])
def test_a_short_follow_up_goes_to_the_directory(text: str) -> None:
    assert routed_intent(text, "help") == "find_contact"


def test_a_report_about_someone_else_goes_to_its_department() -> None:
    assert routed_intent("工厂冒黑烟 我要举报", "complain", {"matter"}) == "find_contact"
    assert routed_intent("社保窗口态度差 我要投诉", "complain", {"matter"}) == "complain"  # how a window served
    assert routed_intent("我要投诉沈河区税务局", "complain", {"unit", "matter"}) is None
    assert routed_intent("我要投诉", "complain", set()) is None


def test_places_and_services_by_a_misspelt_name() -> None:
    assert routed_intent("北方有限营业厅", "find_nearby") == "find_contact"
    assert routed_intent("供电公斯客服", "human_handoff") == "find_contact"
    assert routed_intent("我要找客服", "human_handoff") is None
    assert routed_intent("夏长鹏", "affirm", {"person"}) == "find_contact"
    assert routed_intent("好的", "affirm", {"person"}) is None


def test_a_where_question_read_as_a_status_check_goes_to_the_directory() -> None:
    assert routed_intent("商标注册沈阳有受理的地方吗", "check_complaint", {"matter"}) == "find_contact"
    assert routed_intent("我那个投诉到哪了", "check_complaint", {"matter"}) is None  # a ticket of the user's
    assert routed_intent("TS20261201001 现在在哪个部门", "check_complaint", {"unit"}) is None
    assert routed_intent("有受理的地方吗", "check_complaint") is None  # names nothing of the directory's


def test_a_complaint_about_how_a_window_treated_the_user_is_a_complaint() -> None:
    assert routed_intent("派出所户籍窗口民警给我甩脸子 投诉谁", "find_contact") == "complain"
    assert routed_intent("税务局的张丽态度差 我要投诉", "find_contact", {"unit", "person"}) == "complain"
    assert routed_intent("窗口态度差这事去哪投诉", "find_contact") is None  # asks where
    assert routed_intent("社保中心态度咋样", "find_contact", {"unit"}) is None  # no complaint said
    assert routed_intent("和平区市场监管局电话", "find_contact", {"unit"}) is None
    assert routed_intent("我要投诉公积金中心 上周三去提取 窗口说系统坏了让我下周再来 匿名", "inform", {"unit"}) == "complain"
    assert routed_intent("沈河区的", "inform") is None
    assert routed_intent("浑南区市场监督管理局办执照的时候工作人员说话特别冲", "inform", {"unit"}) == "complain"
    story = "沈阳燃气大东营业厅 我家燃气表坏了报修好些日子了 到现在也没人来 工作人员就一句话等着吧"
    assert routed_intent(story, "find_nearby", {"unit"}) == "complain"  # a story of bad service, no word 投诉
    assert routed_intent("我想反映个事 排了一上午号 结果说我那个业务不在这办 也不说去哪", "find_contact") == "complain"
    assert routed_intent("我要给铁西税务局的王丽打满分", "rate_service", {"unit", "person"}) is None
    assert routed_intent("窗口态度差 给一星", "rate_service") is None  # a low rating stays one
    assert routed_intent("13900007878", "goodbye") == "inform" and routed_intent("电话13900007878", "greet") == "inform"
    assert routed_intent("说两句 取号那块引导不清楚", "stop") == "inform" and routed_intent("算了不评了", "stop") is None


def test_form_words_inside_the_directory_s_names_say_nothing() -> None:
    # 燃气 holds 气 (as in 生气), 不动产 holds 不: a name with a person's is a contact question
    assert routed_intent("关海梅 燃气公司的", "complain", {"person", "unit"}, bare="关海梅  的") == "find_contact"
    assert routed_intent("关海梅 燃气公司的", "complain", {"person", "unit"}) is None
    assert routed_intent("我要投诉沈阳燃气", "complain", {"unit"}, bare="我要投诉 ") is None


def test_a_complaint_of_treatment_is_made_sure_and_a_where_question_is_no_recommendation() -> None:
    assert routed_intent("婚姻登记处的工作人员骂人 太过分了 投诉", "complain") == "complain"
    assert routed_intent("我要投诉", "complain") is None  # nothing said of treatment: DIET's confidence stands
    assert routed_intent("专精特新企业申报归哪个局", "recommend_policy", {"matter"}) == "find_contact"
    assert routed_intent("有啥扶持政策适合我们", "recommend_policy", {"matter"}) is None


@pytest.mark.parametrize("text, routed", [("周末能办不", "find_contact"), ("中午休息不", "find_contact"),
                                          ("不用留电话了", None), ("算了不办了", None)])
def test_a_follow_up_read_as_a_no(text: str, routed: "str | None") -> None:
    assert routed_intent(text, "deny") == routed and routed_intent(text, "stop") == routed


@pytest.mark.parametrize("text, intent", [("不对呀", "affirm"), ("也不对", "affirm"), ("不是", "affirm"),
                                          ("不用了谢谢", "thank")])
def test_a_no_said_with_a_yes_word_is_a_no(text: str, intent: str) -> None:
    assert routed_intent(text, intent) == "deny"


@pytest.mark.parametrize("text", ["对", "没错", "好的谢谢", "是的"])
def test_a_yes_stays_a_yes(text: str) -> None:
    assert routed_intent(text, "affirm") is None


def test_a_ticket_asked_after_a_person_asked_for_and_misconduct_without_the_word() -> None:
    assert routed_intent("TS202611230008处理到哪一步", "inform") == "check_complaint"
    assert routed_intent("TS202611230008", "inform") is None  # a number given to a question
    assert routed_intent("安排人给我打电话", "find_contact") == "human_handoff"
    assert routed_intent("有没有客服人员", "find_contact") == "human_handoff"
    assert routed_intent("供电公司客服人员电话", "find_contact", {"unit"}) is None
    assert routed_intent("工作人员故意刁难我", "find_contact") == "complain"
    assert routed_intent("工作人员几点上班", "find_contact") is None


@pytest.mark.parametrize("text, kinds", [
    ("首套房公积金贷款最多能贷多少", {"amount"}), ("孩子上学一个月能扣多少", {"amount"}), ("医保报销比例是多少", {"amount"}),
    ("稳岗返还的钱谁出", {"payer"}), ("调整后的待遇啥时候能发到手", {"time"}), ("我们公司能享受吗", {"eligibility"}),
    ("社保局电话多少", set()), ("公积金中心在哪 最多等多久", set()), ("营业执照在哪办", set()),
])
def test_an_amount_a_payer_a_date_or_a_condition_is_a_policy_question(text: str, kinds: set[str]) -> None:
    from bot.routing import asks_rule

    assert asks_rule(text) == kinds


@pytest.mark.parametrize("text", ["1", "2。", "第二个", "5星", "五", "12"])
def test_a_bare_number_is_an_answer(text: str) -> None:
    assert routed_intent(text, "goodbye") == "inform" and routed_intent(text, "greet") == "inform"


@pytest.mark.parametrize("text", ["12345", "1楼", "五星好评", "一级伤残津贴"])
def test_a_number_with_more_is_read_as_said(text: str) -> None:
    assert routed_intent(text, "goodbye") != "inform"


@pytest.mark.parametrize("text, how", [
    ("稳岗返还咋申请 网上能办不", True), ("创业担保贷款要准备啥材料", True), ("出口退税咋申请", True),
    ("出口退税在哪个部门办 电话多少", False), ("社保局地址在哪", False), ("一级伤残津贴多少钱", False),
    ("食品经营许可证在哪申请", False),
])
def test_how_to_apply_and_what_to_bring_without_asking_for_the_office(text: str, how: bool) -> None:
    from bot.routing import asks_how

    assert asks_how(text) is how


@pytest.mark.parametrize("text, intent", [
    ("我刚才那个投诉现在啥进度", "check_complaint"), ("沈阳明天下雨不", "out_of_scope"), ("转人工", "human_handoff"),
    ("公积金贷款最多能贷多少", "ask_policy"), ("营业执照去哪办", "find_contact"),
])
def test_another_request_inside_a_form_is_set_aside_even_where_what_happened_is_asked(text: str, intent: str) -> None:
    assert asks_aside(intent, text, free_text=True) and asks_aside(intent, text, free_text=False)


@pytest.mark.parametrize("text, intent", [
    ("窗口的人让我去哪补材料都不说", "find_contact"), ("工作人员态度差 问啥都说不知道", "ask_policy"),
    ("他们让我去找街道办 街道办又让我回来", "find_contact"), ("态度太差了", "inform"),
])
def test_what_happened_is_not_set_aside(text: str, intent: str) -> None:
    assert not asks_aside(intent, text, free_text=True)


def test_a_statement_read_as_a_contact_question_is_for_the_form() -> None:
    assert not asks_aside("find_contact", "另外他们还把我的身份证复印件弄丢了", free_text=False)
    assert asks_aside("find_contact", "公积金提取找哪个部门", free_text=False)
