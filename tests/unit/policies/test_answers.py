"""Policy question answering: top-1 accuracy on a held-out question set, specific answers, follow-ups."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.policies.answers import answer_question
from bot.policies.cards import category_url
from bot.policies.enterprises import Profile
from bot.policies.evaluate import LABELLED_ON, evaluate, labelled, load_questions
from bot.policies.search import PolicyIndex

TODAY = LABELLED_ON
QUESTIONS = load_questions()
# Measured on the held-out set (bot/policies/evaluate.py; `make eval` prints the table by question type).
TOP1_TARGET = 0.95  # the right policy first in the search
RIGHT_TARGET = 0.92  # the answer is the labelled policy's (or category listing, or an honest "not found")
EXACT_TARGET = 0.95  # the expected figure or fact is in the answer
LIST_TARGET = 0.95  # "what exists" questions list the labelled category
# Questions no policy is about are not answered with another policy. Of the ten the library of 153 leaves
# uncovered, six get the policy next to their subject (住院 → 生育医疗费用, 电动自行车 → 汽车家电以旧换新):
# a floor, not a goal.
NONE_TARGET = 0.4


@pytest.fixture(scope="module")
def policies(sample_db: Path, sample_sessions) -> PolicyIndex:  # type: ignore[no-untyped-def]
    with sample_sessions() as session:
        return PolicyIndex.load(session, str(sample_db / "jieba" / "userdict.txt"))


def ask(index: PolicyIndex, question: str, context: "str | None" = None, previous: str = "",  # type: ignore[no-untyped-def]
        category: "str | None" = None, enterprise: "Profile | None" = None):
    return answer_question(index, question, TODAY, "https://syb.example", "12345", context, previous, category, enterprise)


def test_top1_accuracy_on_the_held_out_questions(policies: PolicyIndex) -> None:
    asked = [item for item in QUESTIONS if "policy" in item and not item.get("after")]
    assert len(QUESTIONS) >= 300
    misses = []
    for item in asked:
        hits = policies.search(item["q"], TODAY, limit=1)
        if not hits or hits[0].policy.code not in labelled(item):
            misses.append(f"{item['q']} → {hits[0].policy.code if hits else None} (想要 {item['policy']})")
    accuracy = 1 - len(misses) / len(asked)
    print(f"top-1 {accuracy:.3f} over {len(asked)}")
    assert accuracy >= TOP1_TARGET, "\n".join(misses)


def test_answers_on_the_held_out_questions(policies: PolicyIndex) -> None:
    report = evaluate(policies, QUESTIONS, TODAY)
    print(report.table())
    misses = "\n".join(report.misses())
    assert report.right >= RIGHT_TARGET, misses
    assert report.exact >= EXACT_TARGET, misses
    assert report.share(report.of("category")) >= LIST_TARGET, misses
    assert report.share(report.of("none")) >= NONE_TARGET, misses


def test_the_article_question_names_the_figure_the_policy_and_who_to_call(policies: PolicyIndex) -> None:
    answer = ask(policies, "一级伤残津贴现在多少钱")
    assert "2481" in answer.text and "2019年1月1日" in answer.text
    assert "沈阳市人力资源和社会保障局" in answer.text and "12333" in answer.text
    assert "https://syb.example/policies/RS-2019-GSDY" in answer.text
    assert answer.policy is not None and answer.policy.code == "RS-2019-GSDY"


def test_follow_ups_keep_the_context(policies: PolicyIndex) -> None:
    first = ask(policies, "一级伤残津贴现在多少钱")
    second = ask(policies, "二级呢？", first.policy.code, first.question)
    assert "2337" in second.text and "2481" not in second.text
    third = ask(policies, "那怎么申请？", second.policy.code, second.question)
    assert "个人申请" in third.text  # 不需要个人申请 (the pair) or 无需个人申请 (the steps)
    who_pays = ask(policies, "谁出钱", third.policy.code, third.question)
    assert "工伤保险基金" in who_pays.text
    when = ask(policies, "啥时候能发下来", who_pays.policy.code, who_pays.question)
    assert "10月底" in when.text  # the pair about when it is paid, still the same policy
    mine = ask(policies, "要自己去申请不", when.policy.code, when.question)
    assert mine.policy.code == "RS-2019-GSDY" and "不需要个人申请" in mine.text
    contact = ask(policies, "找谁咨询", mine.policy.code, mine.question)
    assert "沈阳市人力资源和社会保障局" in contact.text and "12333" in contact.text
    other = ask(policies, "那研发费用加计扣除呢", contact.policy.code, contact.question)
    assert other.policy.code != "RS-2019-GSDY"  # another policy named: the subject changes


def test_nothing_matching_says_so_and_gives_a_phone(policies: PolicyIndex) -> None:
    answer = ask(policies, "帮我订一张去北京的机票")
    assert answer.policy is None and "没有找到" in answer.text and "12345" in answer.text


def test_a_district_unit_is_suggested_only_for_its_district(policies: PolicyIndex) -> None:
    anywhere = ask(policies, "刚开个小饭馆 能给点扶持不")
    assert anywhere.policy is None and "新民市" not in anywhere.text
    assert "新民市" in ask(policies, "新民刚开个小饭馆 能给点扶持不").text


def test_a_category_question_lists_its_current_policies(policies: PolicyIndex) -> None:
    answer = ask(policies, "有哪些减税降费的政策", category="减税降费")
    assert answer.category == "减税降费" and 1 <= len(answer.listed) <= 5
    assert all(p.category == "减税降费" and not p.expired(TODAY) for p in answer.listed)
    assert category_url("减税降费", "https://syb.example") in answer.text


def test_an_expired_policy_is_answered_with_a_warning(policies: PolicyIndex) -> None:
    answered = [(p, ask(policies, f"{p.short_title} {p.faqs[0].question}")) for p in policies.policies if p.expired(TODAY)]
    own = [(p, a) for p, a in answered if a.policy is not None and a.policy.code == p.code]
    assert own, "no expired policy answers its own first question"
    for policy, answer in own:
        assert "已于" in answer.text and "失效" in answer.text, policy.code


@pytest.mark.parametrize("question, wanted", [
    ("我是三级工伤 伤残津贴这回涨了多少", "2205"),  # the grade asked, not the pair about grades five and six
    ("调整后的待遇啥时候能发到手", "10月底"),  # when it is paid, not who pays
    ("单位没给交工伤保险 涨的钱谁给", "由用人单位"),  # who pays, not "no need to apply"
    ("在收费站装ETC要带啥", "身份证"),  # what to bring, not the background
])
def test_the_pair_that_answers_this_kind_of_question(policies: PolicyIndex, question: str, wanted: str) -> None:
    assert wanted in ask(policies, question).text


@pytest.mark.parametrize("question, category", [
    ("民营企业有啥扶持政策", "企业扶持"), ("物流企业有啥扶持政策", "交通物流"),  # the subject before the benefit
    ("政府给企业发的补贴都有哪些", "补助补贴"), ("小微企业现在都有啥补贴政策", "补助补贴"),
])
def test_what_exists_lists_the_category_it_means(policies: PolicyIndex, question: str, category: str) -> None:
    answer = ask(policies, question)
    assert answer.category == category and answer.listed and f"“{category}”类的现行政策" in answer.text
    assert all(not p.expired(TODAY) for p in answer.listed)
    city_first = [p for p in answer.listed if "区" not in p.issuer[:4]]
    assert answer.listed[: len(city_first)] == city_first  # a district's policies only after the city's


@pytest.mark.parametrize("question, code", [
    ("评上省级专精特新了有啥奖励", "FC-2024-ZJTX"), ("过了CMMI5有啥奖励", "CF-2025-RJCY"),  # one policy's matter
])
def test_what_a_matter_gets_is_answered_by_its_policy(policies: PolicyIndex, question: str, code: str) -> None:
    answer = ask(policies, question)
    assert answer.policy is not None and answer.policy.code == code and answer.category is None


def test_what_exists_without_a_subject_offers_the_categories(policies: PolicyIndex) -> None:
    answer = ask(policies, "现在都有啥政策啊")
    assert answer.found and answer.policy is None and "减税降费" in answer.text and "交通物流" in answer.text


MAKER = Profile("沈阳示例机械有限公司", "", "制造业", "小型", "浑南区", 2018, ["高新技术企业"], "", "")


def test_a_category_list_for_an_enterprise_puts_what_fits_first_and_says_why(policies: PolicyIndex) -> None:
    answer = ask(policies, "有哪些产业发展的政策", category="产业发展", enterprise=MAKER)
    assert "适合贵公司的排在前面" in answer.text and "（贵公司属于制造业）" in answer.text
    fitting = [p for p in answer.listed if p.rules.reasons(MAKER, TODAY)]
    assert fitting and answer.listed[: len(fitting)] == fitting


def test_a_list_line_gives_the_key_figure(policies: PolicyIndex) -> None:
    answer = ask(policies, "交通物流方面有啥政策")
    assert answer.category == "交通物流" and "——" in answer.text


def test_can_we_have_it_is_answered_for_the_enterprise_asking(policies: PolicyIndex) -> None:
    fits = ask(policies, "我们公司能享受吗", "KJ-2025-HNYFPT", "浑南研发平台有啥奖励", enterprise=MAKER)
    assert "位于浑南区" in fits.text and "符合" in fits.text and fits.policy.code == "KJ-2025-HNYFPT"
    other = ask(policies, "我们能享受吗", "WM-2025-KJDS", "跨境电商有啥扶持", enterprise=MAKER)
    assert "不在这项政策面向的企业范围内" in other.text and "小型企业" in other.text
    anyone = ask(policies, "俺们公司能享受稳岗返还不", enterprise=MAKER)
    assert anyone.policy.code == "JY-2026-WGFH" and "不限行业" in anyone.text


def test_a_subject_no_policy_mentions_is_said_plainly(policies: PolicyIndex) -> None:
    answer = ask(policies, "开出租车的有燃油补贴没")
    assert answer.policy is None and answer.weak and "没有找到专门针对“出租车”的政策" in answer.text
    assert answer.category and answer.listed and "12345" in answer.text


@pytest.mark.parametrize("question, code, wanted", [
    ("稳岗反还中小企业能返多少", "JY-2026-WGFH", "60%"),  # a name typed by sound
    ("建筑业产值奖励今年还能申请吗", "GC-2023-JZYJL", "不再受理"),  # an expired policy asked "still?"
    ("市里的数字化改造补助能补多少", "CF-2024-SZZX", "15%"),  # the city's, not 铁西区's
    ("开个小作坊要做环评不", "JN-2024-HPCN", "名录"),  # who asks is no missing subject
    ("四证同发都包括什么证", "GC-2025-NDKG", "不动产权证"),  # which ones: the sentence that lists them
    ("开小超市的个体户 个人所得税能减吗", "JS-2023-XWQYSDS", "所得税"),  # not the veterans' relief
    ("失业险费率现在多少", "SB-2023-SYBXFL", "0.5%"),  # everyday words (synonyms.yml)
    ("企业开办刻章要花钱不", "SC-2024-QYKB", "免费"),  # a fee
    ("消费券去哪领", "SM-2025-XFQ", "云闪付"),  # where to get it is how to apply
    ("跨境电商出口额做到600万美元奖多少", "WM-2025-KJDS", "20万元"),  # the tier the sum reaches
])
def test_general_causes_of_wrong_answers(policies: PolicyIndex, question: str, code: str, wanted: str) -> None:
    answer = ask(policies, question)
    assert answer.policy is not None and answer.policy.code == code and wanted in answer.text, answer.text


def test_can_we_have_it_stays_on_the_policy_talked_about(policies: PolicyIndex) -> None:
    first = ask(policies, "稳岗返还能返多少")
    ours = ask(policies, "我们公司能享受吗 八十来人 去年裁了两个", first.policy.code, first.question)
    assert ours.policy is not None and ours.policy.code == "JY-2026-WGFH" and "5.5%" in ours.text


@pytest.mark.parametrize("text, follows", [
    ("二套呢", True), ("那重新认定的呢", True), ("能网上办不", True), ("要带啥材料", True),
    ("你好", False), ("谢谢", False), ("社保局电话多少", False), ("我想投诉", False),
])
def test_what_only_follows_a_policy_answer(text: str, follows: bool) -> None:
    from bot.policies.answers import only_follows

    assert only_follows(text) is follows
