"""Real-name enterprise registration: the credit code's check digit, profile answers, binding to a user."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.policies import INDUSTRIES, SIZES, TAGS, Enterprise, EnterpriseBinding
from bot.errors import InvalidInput
from bot.feedback.answers import is_affirmation
from bot.nlp.numbers import NUMERAL, to_int
from bot.nlp.text import find_district

# GB 32100-2015: 18 characters from this alphabet; the last is a check character over the first 17.
CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CODE_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
CODE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")

# What people call each industry section, checked in this order (the first match wins).
INDUSTRY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("信息传输、软件和信息技术服务业", ("软件", "互联网", "信息技术", "IT", "网络科技", "大数据", "人工智能", "通信", "电信")),
    ("科学研究和技术服务业", ("研发", "科研", "技术服务", "检验检测", "设计院", "工程技术")),
    ("住宿和餐饮业", ("餐饮", "饭店", "餐馆", "饭馆", "酒店", "宾馆", "住宿", "民宿", "火锅", "烧烤", "小吃")),
    ("批发和零售业", ("零售", "批发", "超市", "商店", "便利店", "商贸", "贸易", "卖货", "电商", "药店")),
    ("交通运输、仓储和邮政业", ("物流", "运输", "货运", "仓储", "快递", "客运", "出租车", "冷链")),
    ("建筑业", ("建筑", "施工", "装修", "装饰", "工程公司", "建工")),
    ("房地产业", ("房地产", "地产", "物业", "房产中介")),
    ("金融业", ("金融", "银行", "保险公司", "证券", "担保", "小贷")),
    ("租赁和商务服务业", ("租赁", "商务服务", "咨询", "广告", "人力资源", "会展", "律师", "会计")),
    ("农、林、牧、渔业", ("农业", "种植", "养殖", "农场", "合作社", "畜牧", "渔业", "林业")),
    ("采矿业", ("采矿", "矿业", "煤矿", "开采")),
    ("电力、热力、燃气及水生产和供应业", ("电力", "供热", "热力", "燃气", "供水", "发电", "新能源发电")),
    ("水利、环境和公共设施管理业", ("环保", "环境治理", "园林", "绿化", "环卫", "水利")),
    ("居民服务、修理和其他服务业", ("家政", "美容", "美发", "理发", "洗浴", "维修", "修理", "洗衣", "养老服务")),
    ("教育", ("教育", "培训", "学校", "幼儿园", "托育")),
    ("卫生和社会工作", ("医疗", "医院", "诊所", "卫生", "康复", "养老院")),
    ("文化、体育和娱乐业", ("文化", "传媒", "影视", "体育", "健身", "娱乐", "旅游", "演艺", "游戏")),
    ("制造业", ("制造", "工厂", "加工", "机械", "装备", "汽车零部件", "化工", "食品加工", "生产", "厂")),
)
SIZE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("小型", ("小型", "小微", "小企业", "小公司")),  # before 微型: 小微企业 contains 微企
    ("微型", ("微型", "微企", "个体", "几个人", "夫妻店")),
    ("中型", ("中型", "中等", "中企")),
    ("大型", ("大型", "大企业", "集团")),
)
TAG_WORDS: dict[str, tuple[str, ...]] = {
    "高新技术企业": ("高新技术企业", "高新企业", "国高新", "高企"),
    "科技型中小企业": ("科技型中小企业", "科技型企业", "科小"),
    "专精特新企业": ("专精特新", "小巨人"),
    "外贸进出口企业": ("外贸", "进出口", "出口企业"),
    "个体工商户": ("个体工商户", "个体户"),
    "首次创业": ("首次创业", "第一次创业", "初次创业"),
    "重点群体创业": ("大学生创业", "退役军人创业", "返乡创业", "失业人员创业", "重点群体"),
    "外商投资企业": ("外资", "外商投资", "合资企业"),
    "规模以上工业企业": ("规上", "规模以上"),
    "连锁经营企业": ("连锁",),
}
NO_TAGS = re.compile(r"^(没有|无|都没有|没|暂无|不是|都不是|没啥)[。！!]*$")
_EMPLOYEES = (  # "50人", "五十多人", "十来个员工", "两百来号人", "员工一百二"
    re.compile(rf"({NUMERAL})\s*(?:多|来|余|几)?\s*(?:个|名|号|位)?\s*(?:人|员工|职工|工人)"),
    re.compile(rf"(?:员工|职工|工人|人员)(?:有|大概|大约|约|差不多|将近)?\s*({NUMERAL})"),
)
_YEAR = re.compile(r"(19[5-9]\d|20[0-4]\d)\s*年?")
_YEARS_AGO = re.compile(rf"(?:成立|开了|干了|注册)(?:了)?({NUMERAL})(?:多|来)?年")


def valid_credit_code(code: str) -> bool:
    """True when ``code`` has the GB 32100-2015 shape and its check character is right."""
    code = code.strip().upper()
    if not CODE_SHAPE.fullmatch(code):
        return False
    total = sum(CODE_CHARS.index(c) * w for c, w in zip(code, CODE_WEIGHTS))
    return code[17] == CODE_CHARS[(31 - total % 31) % 31]


def with_check_char(first17: str) -> str:
    """Complete 17 characters with their check character (sample data and tests)."""
    total = sum(CODE_CHARS.index(c) * w for c, w in zip(first17, CODE_WEIGHTS))
    return first17 + CODE_CHARS[(31 - total % 31) % 31]


def credit_code_in(text: str) -> Optional[str]:
    """The 18-character code the user typed (upper-cased), valid or not; None when there is none."""
    match = CODE_IN_TEXT.search(text or "")
    return match.group(0).upper() if match else None


_COMPANY = re.compile(r"[\u4e00-\u9fff（）()A-Za-z0-9·]{2,60}?(有限责任公司|股份有限公司|有限公司|公司|集团|厂|店|中心|"
                      r"合作社|工作室|事务所|商行|门市部|经营部|研究院|医院|学校|酒店|饭店)")
_BEFORE_NAME = re.compile(r"注册|绑定|认证|认领|登记|名称|名字|全称|叫|是|[:：，,]")
_NOT_A_NAME = re.compile(r"[我帮把想]|不知道|不清楚")
_FILLER = re.compile(r"^(一下|我们|咱们|俺们|我|的|家|这个|那个|公司|企业|单位)+")


def looks_like_code(text: str) -> bool:
    """A message that is a code rather than a name: letters and digits only, 15 or more of them."""
    return bool(re.fullmatch(r"\s*[0-9A-Za-z]{15,}\s*", text or ""))


def company_name_in(text: str, whole: bool = False) -> Optional[str]:
    """The enterprise name in ``text`` ("我们公司叫沈阳某某有限公司" → 沈阳某某有限公司), at least 4 characters.

    With ``whole`` (the name was asked for), a reply without a company suffix is taken as the name.
    """
    if looks_like_code(text) or is_affirmation(text):
        return None  # "91210100…" or "对" is not a name
    candidates = [m.group(0) for m in _COMPANY.finditer(text)] or ([text] if whole else [])
    names = [_FILLER.sub("", _BEFORE_NAME.split(c)[-1].strip()) for c in candidates]
    names = [n for n in names if 4 <= len(n) <= 64 and not _NOT_A_NAME.search(n)]
    return max(names, key=len) if names else None


def industry_of(text: str) -> Optional[str]:
    """The industry section a description names ("开饭店的" → 住宿和餐饮业)."""
    for section in INDUSTRIES:
        if section in text:
            return section
    for section, words in INDUSTRY_WORDS:
        if any(w.lower() in text.lower() for w in words):
            return section
    return None


def size_of(text: str) -> Optional[str]:
    """The size class named, or estimated from a head count (under 10 微型, 100 小型, 300 中型)."""
    for size, words in SIZE_WORDS:
        if any(w in text for w in words):
            return size
    for pattern in _EMPLOYEES:
        match = pattern.search(text)
        n = to_int(match.group(1)) if match else None
        if n:
            return "微型" if n < 10 else "小型" if n < 100 else "中型" if n < 300 else "大型"
    return None


def founded_year_of(text: str, today: date) -> Optional[int]:
    """The founding year said as a year ("2019年") or as an age ("成立三年了")."""
    match = _YEAR.search(text)
    if match and int(match.group(1)) <= today.year:
        return int(match.group(1))
    match = _YEARS_AGO.search(text)
    if match:
        years = to_int(match.group(1))
        if years is not None and years < 100:
            return today.year - years
    return None


def tags_of(text: str) -> list[str]:
    """Qualifications named in ``text``, in TAGS order."""
    return [tag for tag in TAGS if any(w in text for w in TAG_WORDS[tag])]


@dataclass
class Profile:
    """An enterprise's registration answers."""

    name: str
    credit_code: str
    industry: str
    size: str
    district: str
    founded_year: Optional[int] = None
    tags: list[str] = field(default_factory=list)
    contact_name: str = ""
    contact_phone: str = ""

    def problems(self, today: date) -> list[str]:
        """What is wrong with the profile, in Chinese (empty when it can be saved)."""
        out = []
        if not 2 <= len(self.name) <= 64:
            out.append("企业名称应为 2 到 64 个字")
        if not valid_credit_code(self.credit_code):
            out.append("统一社会信用代码校验未通过")
        if self.industry not in INDUSTRIES:
            out.append(f"行业“{self.industry}”不在国民经济行业分类门类中")
        if self.size not in SIZES:
            out.append(f"企业规模应为{'、'.join(SIZES)}之一")
        if find_district(self.district) != self.district:
            out.append(f"“{self.district}”不是沈阳的区县（市）")
        if self.founded_year is not None and not 1949 <= self.founded_year <= today.year:
            out.append("成立年份不对")
        if any(t not in TAGS for t in self.tags):
            out.append("资质不在可选范围内")
        return out


def register(session: Session, user_id: str, profile: Profile, today: date) -> Enterprise:
    """Create or update the enterprise by its credit code and bind it to the user (idempotent)."""
    problems = profile.problems(today)
    if problems:
        raise InvalidInput("企业信息不完整或有误", problems)
    code = profile.credit_code.upper()
    enterprise = session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).one_or_none()
    if enterprise is None:
        enterprise = Enterprise(credit_code=code)
        session.add(enterprise)
    enterprise.name, enterprise.industry, enterprise.size = profile.name, profile.industry, profile.size
    enterprise.district, enterprise.founded_year, enterprise.tags = profile.district, profile.founded_year, list(profile.tags)
    enterprise.contact_name, enterprise.contact_phone = profile.contact_name, profile.contact_phone
    session.flush()
    bound = session.scalars(select(EnterpriseBinding).where(
        EnterpriseBinding.user_id == user_id, EnterpriseBinding.enterprise_id == enterprise.id)).one_or_none()
    if bound is None:
        session.add(EnterpriseBinding(user_id=user_id, enterprise_id=enterprise.id))
        session.flush()
    return enterprise


def bound_enterprises(session: Session, user_id: str) -> list[Enterprise]:
    """The user's enterprises, the most recently bound first."""
    return list(session.scalars(
        select(Enterprise).join(EnterpriseBinding, EnterpriseBinding.enterprise_id == Enterprise.id)
        .where(EnterpriseBinding.user_id == user_id)
        .order_by(EnterpriseBinding.created_at.desc(), EnterpriseBinding.id.desc())))


def profile_of(enterprise: Enterprise) -> Profile:
    return Profile(enterprise.name, enterprise.credit_code, enterprise.industry, enterprise.size,
                   enterprise.district, enterprise.founded_year, list(enterprise.tags or []),
                   enterprise.contact_name, enterprise.contact_phone)


def described(text: str, today: date, industry_named: str = "") -> Optional[Profile]:
    """The enterprise as a message describes it ("我们浑南一个小饭店 十来个员工"), or None if it says
    nothing of its industry, size or district; unsaid fields stay empty, so no policy restricting them fits."""
    profile = Profile(name="", credit_code="", industry=industry_of(industry_named) or industry_of(text) or "",
                      size=size_of(text) or "", district=find_district(text) or "",
                      founded_year=founded_year_of(text, today), tags=tags_of(text))
    return profile if profile.industry or profile.size or profile.district else None


def description(profile: Profile) -> str:
    """What a described profile says, e.g. "住宿和餐饮业、小型企业、浑南区"."""
    parts = [profile.industry, f"{profile.size}企业" if profile.size else "", profile.district, *profile.tags]
    return "、".join(p for p in parts if p)

