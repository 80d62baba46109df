"""The policy diagram (SVG) and news-card cover (PNG): well-formed, escaped, drawn from the policy, deterministic."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from bot.db.directory import Unit
from bot.db.policies import POLICY_CATEGORIES, Policy
from bot.policies.cards import category_news, policy_news
from bot.policies.diagram import PALETTE, category_colour, cover_png, diagram_svg, eligibility_text, wrap

SVG = "{http://www.w3.org/2000/svg}"


def make_policy(**fields: object) -> Policy:
    """A policy that lives only in memory (the drawing never needs the database)."""
    values: dict[str, object] = dict(
        code="T-DIAGRAM", title="关于调整工伤人员伤残津贴的通知", short_title="工伤保险待遇调整", doc_number="沈人社发〔2019〕示例号",
        category="社会保险", answer_phone="12333", interpretation="这次调整提高了一至四级工伤人员的伤残津贴，不用个人申请。" * 3,
        highlights=[{"label": "一级伤残津贴", "value": "2481元/月（+118元）"}, {"label": "二级伤残津贴", "value": "2337元/月"},
                    {"label": "生活完全不能自理护理费", "value": "1940元/月（+92元）"}],
        steps=["无需个人申请，由社会保险经办机构按新标准核定", "自2019年1月1日起补发差额", "2019年10月底前发放到位"],
        eligibility={}, issuer=Unit(name="沈阳市人力资源和社会保障局"))
    values.update(fields)
    return Policy(**values)


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_the_diagram_is_a_well_formed_portrait_svg_with_the_policys_content() -> None:
    svg = diagram_svg(make_policy())
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    assert width == 750 and height > width
    assert "PingFang SC" in root.get("font-family", "") and "WenQuanYi Micro Hei" in root.get("font-family", "")
    lines = texts(svg)
    joined = "".join(lines)
    for text in ("社会保险", "工伤保险待遇调整", "一级伤残津贴", "2481元/月（+118元）", "2337元/月", "示例数据",
                 "适用：所有企业", "发布单位：沈阳市人力资源和社会保障局", "解答电话：12333"):
        assert text in joined, text
    for n, step in enumerate(["无需个人申请", "自2019年1月1日起补发差额", "2019年10月底前发放到位"], 1):
        assert str(n) in lines and step in joined
    assert all(len(line) <= 30 for line in lines)  # long text is wrapped


def test_everything_is_escaped() -> None:
    evil = '<script>alert("x")</script>&'
    svg = diagram_svg(make_policy(short_title=evil, category=evil, answer_phone=evil, doc_number=evil,
                                  highlights=[{"label": evil, "value": evil}], steps=[evil],
                                  eligibility={"districts": [evil]}, issuer=Unit(name=evil)))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp;" in svg
    assert f"解答电话：{evil}" in texts(svg)  # parsed back to the plain text
    ET.fromstring(diagram_svg(make_policy(short_title="控制字符\x00\x1f", steps=["\x0b步骤"])))


def test_a_policy_without_figures_or_steps_still_draws() -> None:
    svg = diagram_svg(make_policy(highlights=[], steps=[], doc_number="", short_title="", issuer=None))
    joined = "".join(texts(svg))
    assert "关于调整工伤人员伤残津贴的通知" in joined and "解答电话：12333" in joined and "办理流程" not in joined


@pytest.mark.parametrize("rules,text", [
    ({}, "适用：所有企业"),
    (None, "适用：所有企业"),
    ({"sizes": ["小型", "微型"], "districts": ["浑南区"]}, "适用：小型、微型企业；浑南区"),
    ({"industries": ["制造业", "批发和零售业"]}, "适用：制造业，批发和零售业"),
    ({"min_years": 1, "max_years": 5}, "适用：成立1至5年"),
    ({"min_years": 3}, "适用：成立满3年"),
    ({"max_years": 2}, "适用：成立不超过2年"),
    ({"tags": ["高新技术企业", "专精特新企业"]}, "适用：高新技术企业或专精特新企业"),
])
def test_eligibility_in_one_chinese_line(rules: object, text: str) -> None:
    assert eligibility_text(rules) == text  # type: ignore[arg-type]


def test_wrapping_counts_characters_and_keeps_numbers_and_punctuation_right() -> None:
    assert wrap("一二三四五六七八九十", 4) == ["一二三四", "五六七八", "九十"]
    assert all(not line.startswith(("，", "。", "）")) for line in wrap("一二三，四五六。七八九）十一", 3))
    assert wrap("自二零一九年即2019年起补发差额", 8) == ["自二零一九年即", "2019年起补发", "差额"]
    assert wrap("", 10) == [""]


def test_every_category_has_its_own_colour() -> None:
    colours = [category_colour(c) for c in POLICY_CATEGORIES]
    assert len(set(colours)) == 18 and colours == list(PALETTE)
    assert category_colour("未知分类") == category_colour("未知分类") in PALETTE


def test_the_cover_is_a_900_by_500_png_that_differs_between_categories() -> None:
    a = cover_png(make_policy(category="社会保险"))
    b = cover_png(make_policy(category="交通物流"))
    assert a == cover_png(make_policy(category="社会保险"))  # deterministic
    assert a != b
    with Image.open(io.BytesIO(a)) as first, Image.open(io.BytesIO(b)) as second:
        assert first.format == "PNG" and first.size == second.size == (900, 500)
        assert first.convert("RGB").getpixel((2, 2)) != second.convert("RGB").getpixel((2, 2))


def test_the_news_cards_have_the_shape_wechat_render_sends() -> None:
    from bot.wechat.render import plan

    policy = make_policy()
    news = policy_news(policy, "https://syb.example.cn")
    assert news == {
        "title": "工伤保险待遇调整",
        "description": news["description"],
        "url": "https://syb.example.cn/policies/T-DIAGRAM",
        "picurl": "https://syb.example.cn/policies/T-DIAGRAM/cover.png",
    }
    summary, rest = news["description"].split(" 发布单位：", 1)
    assert len(summary) <= 60 and summary.endswith("…") and rest == "沈阳市人力资源和社会保障局 解答电话：12333"
    assert plan([{"custom": {"news": news}}]).first == {"news": news}
    card = category_news("社会保险", 2, "https://syb.example.cn")
    assert card["url"] == "https://syb.example.cn/policies/category/%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%99%A9"
    assert card["picurl"] == card["url"] + "/cover.png" and "2" in card["description"]
    assert policy_news(make_policy(short_title=""), "")["title"] == "关于调整工伤人员伤残津贴的通知"
