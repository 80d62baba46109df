"""The policy diagram (政策图解) drawn from a policy's data as SVG, and its news card's cover as PNG.

Both are pure functions of the policy (no database): the SVG is a portrait infographic about 750px
wide with every text escaped; the PNG carries no text at all, since no CJK font is guaranteed at runtime.
"""
from __future__ import annotations

import hashlib
import io
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from PIL import Image, ImageDraw

from bot.db.policies import POLICY_CATEGORIES, Policy

# One colour per category, in POLICY_CATEGORIES order (bot/web/static/policy.css has the same as .cat-N).
PALETTE: tuple[str, ...] = (
    "#c0392b", "#b7791f", "#1f6fd1", "#6a3fb5", "#0f8a5f", "#b8336a", "#283593", "#00838f", "#8e24aa",
    "#546e7a", "#795548", "#0277bd", "#7d1f5c", "#e65100", "#558b2f", "#37474f", "#e91e63", "#2f5d8a",
)
FONT = '"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif'
WIDTH = 750
MARGIN = 32
INNER = WIDTH - 2 * MARGIN
COVER_SIZE = (900, 500)
MAX_BARS = 8
VALUE_SIZES = (34, 30, 27)  # a key figure's font sizes, largest first
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NO_LINE_START = set("，。、；：？！）》」』】”’%,.;:?!)")
_WORD = re.compile(r"[A-Za-z0-9.%+\-]")


def category_index(category: str) -> int:
    """The category's place in POLICY_CATEGORIES; unknown ones get a stable place from their name."""
    if category in POLICY_CATEGORIES:
        return POLICY_CATEGORIES.index(category)
    return hashlib.sha1(category.encode("utf-8")).digest()[0] % len(PALETTE)


def category_colour(category: str) -> str:
    """The category's colour as #rrggbb."""
    return PALETTE[category_index(category)]


def _rgb(colour: str) -> tuple[int, int, int]:
    """#rrggbb → (r, g, b)."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _tint(colour: str, share: float) -> str:
    """``colour`` mixed with white (``share`` of the colour kept)."""
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in _rgb(colour))


def _clean(text: object) -> str:
    """One line of text without characters XML cannot carry."""
    return " ".join(_INVALID_XML.sub("", str(text or "")).split())


def _units(ch: str) -> float:
    """Width of a character in ems: full for CJK and full-width forms, about half for the rest."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.58


def wrap(text: str, per_line: float) -> list[str]:
    """Lines of at most ``per_line`` character widths (a CJK character is 1), kinsoku and numbers kept whole."""
    text = _clean(text)
    lines: list[str] = []
    line, width = "", 0.0
    for ch in text:
        w = _units(ch)
        if line and width + w > per_line:
            cut = len(line)
            if ch in _NO_LINE_START and cut > 1:  # closing punctuation never starts a line: take a character along
                cut -= 1
            elif _WORD.match(ch):  # move a number or word being cut to the next line when it fits there
                while cut > 0 and _WORD.match(line[cut - 1]):
                    cut -= 1
                if cut == 0 or sum(map(_units, line[cut:])) > per_line / 2:
                    cut = len(line)
            lines.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
            width = sum(map(_units, line))
        line += ch
        width += w
    if line.strip() or not lines:
        lines.append(line.strip())
    if len(lines) > 1 and len(lines[-1]) == 1 and len(lines[-2]) > 3 and lines[-2][-1] not in _NO_LINE_START:
        lines[-2:] = [lines[-2][:-1], lines[-2][-1] + lines[-1]]  # no single-character last line
    return lines


def _clip_lines(lines: list[str], most: int) -> list[str]:
    """At most ``most`` lines, the last one ending in … when some were dropped."""
    if len(lines) <= most:
        return lines
    return lines[: most - 1] + [lines[most - 1][:-1] + "…"]


def eligibility_text(eligibility: Optional[Mapping[str, Any]]) -> str:
    """Who a policy is for, in one line: "适用：小型、微型企业；浑南区", or "适用：所有企业"."""
    rules = eligibility or {}
    parts: list[str] = []
    if rules.get("sizes"):
        parts.append("、".join(map(str, rules["sizes"])) + "企业")
    if rules.get("industries"):
        parts.append("，".join(map(str, rules["industries"])))
    if rules.get("districts"):
        parts.append("、".join(map(str, rules["districts"])))
    low, high = rules.get("min_years"), rules.get("max_years")
    if low and high is not None:
        parts.append(f"成立{low}至{high}年")
    elif low:
        parts.append(f"成立满{low}年")
    elif high is not None:
        parts.append(f"成立不超过{high}年")
    if rules.get("tags"):
        parts.append("或".join(map(str, rules["tags"])))
    return "适用：" + ("；".join(parts) if parts else "所有企业")


class _Canvas:
    """SVG elements appended top to bottom."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, rx: float = 0, extra: str = "") -> None:
        self.parts.append(f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="{rx:g}" fill="{fill}"{extra}/>')

    def text(self, x: float, y: float, lines: Sequence[str], size: int, fill: str, leading: float = 1.35,
             bold: bool = False, anchor: str = "start") -> float:
        """Lines with their first baseline at ``y``; returns the height they take."""
        weight = ' font-weight="bold"' if bold else ""
        step = round(size * leading)
        for i, line in enumerate(lines):
            self.parts.append(f'<text x="{x:g}" y="{y + i * step:g}" font-size="{size}" fill="{fill}"'
                              f' text-anchor="{anchor}"{weight}>{_escape(line)}</text>')
        return step * len(lines)


def _escape(text: str) -> str:
    """XML text content."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header(c: _Canvas, policy: Policy, colour: str) -> float:
    title = _clip_lines(wrap(policy.short_title or policy.title, INNER / 44), 3)
    doc = _clip_lines(wrap(policy.doc_number or "", INNER / 22), 1) if policy.doc_number else []
    last = 170 + 58 * (len(title) - 1)  # the title's last baseline
    height = last + (44 if doc else 0) + 34
    c.rect(0, 0, WIDTH, height, colour)
    c.parts.append(f'<circle cx="{WIDTH - 40}" cy="40" r="150" fill="#ffffff" fill-opacity="0.08"/>')
    c.parts.append(f'<circle cx="{WIDTH - 120}" cy="{height}" r="90" fill="#ffffff" fill-opacity="0.06"/>')
    category = _clean(policy.category)
    pill = 24 * sum(map(_units, category)) + 32
    c.rect(MARGIN, 32, pill, 42, "#ffffff", rx=21, extra=' fill-opacity="0.2"')
    c.text(MARGIN + 16, 61, [category], 24, "#ffffff")
    c.rect(WIDTH - MARGIN - 104, 34, 104, 36, "none", rx=18, extra=' stroke="#ffffff" stroke-opacity="0.8"')
    c.text(WIDTH - MARGIN - 52, 59, ["示例数据"], 20, "#ffffff", anchor="middle")
    c.text(MARGIN, 112, ["政策图解"], 22, _tint(colour, 0.25))
    c.text(MARGIN, 170, title, 44, "#ffffff", leading=1.32, bold=True)
    if doc:
        c.text(MARGIN, last + 44, doc, 22, _tint(colour, 0.2))
    return height


def _section_title(c: _Canvas, y: float, title: str, colour: str) -> float:
    c.rect(MARGIN, y + 4, 8, 30, colour, rx=4)
    c.text(MARGIN + 20, y + 30, [title], 30, "#1a1a1a", bold=True)
    return 54


def _fit(text: str, width: float) -> tuple[int, list[str]]:
    """The largest figure size that keeps ``text`` on one line, or a smaller size and several lines."""
    for size in VALUE_SIZES:
        lines = wrap(text, width / size)
        if len(lines) == 1:
            return size, lines
    return VALUE_SIZES[1], wrap(text, width / VALUE_SIZES[1])


def _tile(c: _Canvas, x: float, y: float, w: float, label: list[str], value: tuple[int, list[str]], colour: str,
          height: float) -> None:
    c.rect(x, y, w, height, _tint(colour, 0.1), rx=16)
    used = c.text(x + 20, y + 40, label, 24, "#555555")
    size, lines = value
    c.text(x + 20, y + 40 + used + size - 22, lines, size, colour, leading=1.25, bold=True)


def _tile_height(label: list[str], value: tuple[int, list[str]]) -> float:
    size, lines = value
    return 40 + round(24 * 1.35) * len(label) + size - 22 + round(size * 1.25) * (len(lines) - 1) + 28


def _highlights(c: _Canvas, y: float, items: Sequence[Mapping[str, Any]], colour: str) -> float:
    start = y
    y += _section_title(c, y, "政策要点", colour)
    gap = 20
    half = (INNER - gap) / 2
    rows = [list(items[i:i + 2]) for i in range(0, len(items), 2)]
    for row in rows:
        w = half if len(row) == 2 else INNER
        texts = [(wrap(item.get("label", ""), (w - 40) / 24), _fit(str(item.get("value", "")), w - 40))
                 for item in row]
        height = max(_tile_height(label, value) for label, value in texts)
        for i, (label, value) in enumerate(texts):
            _tile(c, MARGIN + i * (half + gap), y, w, label, value, colour, height)
        y += height + gap
    return y - start


def _arrow(c: _Canvas, x: float, y: float, colour: str) -> None:
    c.parts.append(f'<path d="M{x:g} {y + 4:g}v14" stroke="{colour}" stroke-width="4" stroke-linecap="round"/>')
    c.parts.append(f'<path d="M{x - 10:g} {y + 16:g}h20l-10 12z" fill="{colour}"/>')


def _steps(c: _Canvas, y: float, steps: Sequence[object], colour: str) -> float:
    start = y
    y += _section_title(c, y, "办理流程", colour)
    circle_x = MARGIN + 44
    for n, step in enumerate(steps, 1):
        lines = wrap(str(step), (INNER - 110) / 28)
        height = max(88, 28 + round(28 * 1.4) * len(lines) + 10)
        c.rect(MARGIN, y, INNER, height, "#ffffff", rx=16, extra=f' stroke="{_tint(colour, 0.35)}" stroke-width="2"')
        c.parts.append(f'<circle cx="{circle_x}" cy="{y + height / 2:g}" r="26" fill="{colour}"/>')
        c.text(circle_x, y + height / 2 + 11, [str(n)], 30, "#ffffff", bold=True, anchor="middle")
        text_top = y + (height - round(28 * 1.4) * len(lines)) / 2 + 28
        c.text(MARGIN + 92, text_top, lines, 28, "#1a1a1a", leading=1.4)
        y += height
        if n < len(steps):
            _arrow(c, circle_x, y, colour)
            y += 32
    return y - start + 24


def _eligibility(c: _Canvas, y: float, text: str, colour: str) -> float:
    lines = wrap(text, (INNER - 48) / 28)
    height = 36 + round(28 * 1.4) * len(lines)
    c.rect(MARGIN, y, INNER, height, _tint(colour, 0.12), rx=16)
    c.rect(MARGIN, y, 8, height, colour, rx=4)
    c.text(MARGIN + 28, y + 46, lines, 28, "#1a1a1a", leading=1.4)
    return height + 28


def _footer(c: _Canvas, y: float, issuer: str, phone: str, colour: str) -> float:
    issuer_lines = wrap(f"发布单位：{issuer}", INNER / 26)
    height = 40 + round(26 * 1.4) * len(issuer_lines) + 72 + 56
    c.rect(0, y, WIDTH, height, colour)
    used = c.text(MARGIN, y + 52, issuer_lines, 26, "#ffffff", leading=1.4)
    c.text(MARGIN, y + 52 + used + 30, [f"解答电话：{phone}"], 40, "#ffffff", bold=True)
    c.text(MARGIN, y + height - 24, ["@沈阳营商 · 政策图解 · 示例数据"], 18, _tint(colour, 0.3))
    return height


def diagram_svg(policy: Policy) -> str:
    """The policy's infographic: header, key figures, the steps as a flow, who it is for, issuer and phone."""
    colour = category_colour(policy.category or "")
    c = _Canvas()
    y = _header(c, policy, colour) + 36
    highlights = [h for h in (policy.highlights or []) if isinstance(h, Mapping)]
    if highlights:
        y += _highlights(c, y, highlights, colour) + 16
    if policy.steps:
        y += _steps(c, y, list(policy.steps), colour)
    y += _eligibility(c, y, eligibility_text(policy.eligibility), colour)
    issuer = _clean(getattr(policy.issuer, "name", "") or "")
    y += _footer(c, y, issuer, _clean(policy.answer_phone), colour)
    title = _escape(_clean(f"{policy.short_title or policy.title}·政策图解"))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y:g}" viewBox="0 0 {WIDTH} {y:g}"'
            f" font-family='{FONT}' role=\"img\">"
            f"<title>{title}</title>")
    background = f'<rect width="{WIDTH}" height="{y:g}" fill="#f7f8fa"/>'
    return head + background + "".join(c.parts) + "</svg>"


def _cover(colour: str, seed: str, bars: int) -> bytes:
    """A text-free 900×500 picture: the colour, translucent circles and stripes, and ``bars`` bars."""
    rng = random.Random(hashlib.sha256(seed.encode("utf-8")).digest())
    width, height = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE, _rgb(colour))
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(3):
        r = rng.randint(110, 240)
        cx, cy = rng.randint(520, width), rng.randint(-60, height + 60)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 255, 255, rng.randint(18, 34)))
    offset = rng.randint(0, 60)
    for x in range(-height + offset, width, 70):
        draw.line((x, height, x + height, 0), fill=(255, 255, 255, 14), width=18)
    base = height - 90
    draw.rounded_rectangle((70, base, width - 70, base + 6), radius=3, fill=(255, 255, 255, 200))
    for i in range(min(bars, MAX_BARS)):
        bar = rng.randint(90, 280)
        x = 100 + i * 86
        draw.rounded_rectangle((x, base - bar, x + 54, base - 8), radius=10, fill=(255, 255, 255, 215 - i * 12))
    draw.ellipse((width - 170, 50, width - 70, 150), outline=(255, 255, 255, 190), width=8)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def cover_png(policy: Policy) -> bytes:
    """The policy's 900×500 news-card cover: category colour, motif and one bar per highlight."""
    return _cover(category_colour(policy.category or ""), f"policy:{policy.code}", len(policy.highlights or []))


def category_cover_png(category: str) -> bytes:
    """A category's 900×500 news-card cover (no bars)."""
    return _cover(category_colour(category), f"category:{category}", 0)
