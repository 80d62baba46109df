"""How a contact question is answered: catalogue matters by kind, bundles, sound-alikes, confidence,
districts said later, follow-ups and cadres picked by what the text says of them."""
from __future__ import annotations

import pytest

from bot.directory.answers import answer_contact, follow_up, same_kind_in, says_only_district
from bot.directory.search import DirectoryIndex


def first_unit(answer) -> str:  # type: ignore[no-untyped-def]
    return answer.hit.unit.name if answer.hit else ""


@pytest.mark.parametrize("question, unit", [
    ("劳务派遣许可证上哪儿办", "人力资源和社会保障局"),  # a catalogue matter reaches units by kind
    ("浑南区办营业执照", "浑南区市场监督管理局"),
    ("公积金提取去哪办", "住房公积金"),
    ("社宝卡丢了去哪补", "人力资源和社会保障局"),  # sound-alike
    ("于红区市场监管局电话", "于洪区市场监督管理局"),  # a district typed wrong is no cadre named 于红
    ("沈阳市医了保障局电话", "沈阳市医疗保障局"),  # one character wrong in a full name
])
def test_matters_and_units(session, index: DirectoryIndex, question: str, unit: str) -> None:
    assert unit in first_unit(answer_contact(session, index, question))


def test_a_matter_each_district_handles_answers_the_city_and_wants_the_district(session, index: DirectoryIndex) -> None:
    answer = answer_contact(session, index, "营业执照在哪办")
    assert answer.kind == "unit" and answer.district_wanted and first_unit(answer) == "沈阳市市场监督管理局"


def test_a_bundle_lists_its_matters_with_the_district_s_units(session, index: DirectoryIndex) -> None:
    answer = answer_contact(session, index, "在铁西开个奶茶店都得办啥证")
    assert answer.kind == "bundle" and answer.bundle.name == "开办餐饮店一件事"
    assert not answer.district_wanted
    names = [m.name for m, _ in answer.steps]
    assert "营业执照办理" in names and "食品经营许可" in names
    assert all(u.district in (None, "铁西区") for _, u in answer.steps)


def test_the_matter_asked_comes_first_in_its_bundle(session, index: DirectoryIndex) -> None:
    answer = answer_contact(session, index, "孩子出生了上户口去哪", district="和平区")
    assert answer.kind == "bundle" and "公安" in first_unit(answer)


def test_a_report_is_no_bundle(session, index: DirectoryIndex) -> None:
    answer = answer_contact(session, index, "楼下烧烤店油烟太大 找谁管")
    assert answer.kind != "bundle"


def test_nonsense_is_not_found_rather_than_guessed(session, index: DirectoryIndex) -> None:
    assert answer_contact(session, index, "火星宇宙管理局电话").kind == "not_found"
    assert answer_contact(session, index, "嗯嗯啊啊这个那个").kind == "not_found"


@pytest.mark.parametrize("text, district", [
    ("浑南", "浑南区"), ("房子在和平区", "和平区"), ("单位在皇姑那块儿", "皇姑区"), ("新城子那边", "沈北新区"),
    ("住在东陵区", "浑南区"), ("我们在经开区", "铁西区"), ("沈和区的", "沈河区"),
])
def test_a_district_said_with_little_else(index: DirectoryIndex, text: str, district: str) -> None:
    assert says_only_district(index, text) == district


@pytest.mark.parametrize("text", ["浑南区办营业执照", "沈河区税务局电话", "几点下班"])
def test_more_than_a_district(index: DirectoryIndex, text: str) -> None:
    assert says_only_district(index, text) is None


def test_the_same_kind_of_unit_in_another_district(session, index: DirectoryIndex) -> None:
    city = answer_contact(session, index, "市场监管局电话多少").hit.unit
    assert same_kind_in(index, city.id, "浑南区").name == "浑南区市场监督管理局"


def test_follow_ups_about_the_unit_given(session, index: DirectoryIndex) -> None:
    unit = answer_contact(session, index, "浑南区办营业执照").hit.unit
    assert follow_up(session, index, "几点下班", unit.id, "营业执照办理")[2] == {"hours"}
    assert "materials" in follow_up(session, index, "要带户口本不", unit.id, "营业执照办理")[2]
    assert "website" in follow_up(session, index, "有网站没", unit.id, None)[2]
    assert follow_up(session, index, "办护照去哪", unit.id, None) is None  # a new question
    assert follow_up(session, index, "马晓东负责什么", unit.id, None) is None  # a cadre
    assert follow_up(session, index, "几点下班", None, None) is None  # nothing was given


def test_a_cadre_shared_by_several_is_picked_by_the_position_said(session, index: DirectoryIndex) -> None:
    many = answer_contact(session, index, "王丽电话多少")
    assert many.kind == "ask_unit" and len({c.unit.id for c in many.cadres}) > 1
    position = many.cadres[0].position
    picked = answer_contact(session, index, f"{many.cadres[0].unit.short_name}的王丽{position}电话")
    assert picked.kind == "cadre" and picked.cadres[0].id == many.cadres[0].id


@pytest.mark.parametrize("question, bundle", [
    ("新房交钥匙了水电气咋开户", "水电气网联合报装一件事"),  # a filler word inside a known phrase (水电气开户)
    ("想整个网吧 得找哪些部门", "开网吧一件事"),  # 吧 is part of 网吧, not a particle
])
def test_known_words_are_found_as_people_say_them(session, index: DirectoryIndex, question: str, bundle: str) -> None:
    answer = answer_contact(session, index, question)
    assert answer.kind == "bundle" and answer.bundle.name == bundle


def test_a_gap_holds_only_filler_words(index: DirectoryIndex) -> None:
    found = {m.name for m, _ in index.matters_with_form("父母的房子继承 过户在哪办")}
    assert "继承不动产转移登记" in found
    assert not index.bundles_named("父母的房子继承过户")  # 房子…过户 with 继承 between is no 房子过户


def test_a_name_the_directory_lacks_beside_a_matter_it_knows_gets_the_matter(session, index: DirectoryIndex) -> None:
    answer = answer_contact(session, index, "刘大爷想问低保咋办", person="刘大爷")
    assert answer.kind != "person_unknown" and answer.matter is not None and "低保" in answer.matter.name
    assert answer_contact(session, index, "刘大爷电话多少", person="刘大爷").kind == "person_unknown"
