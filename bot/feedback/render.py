"""Chinese texts for ratings and complaints: summaries to confirm, ticket lines and details."""
from __future__ import annotations

from datetime import date
from typing import Optional, Sequence

from bot.db.feedback import Complaint, ComplaintEvent
from bot.feedback.complaints import is_overdue
from bot.replies import render
from bot.workdays import china_today

SUMMARY_TEXT = 120  # a long description is shortened in the summary (it is stored whole)


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _short(text: str, limit: int = SUMMARY_TEXT) -> str:
    return text if len(text) <= limit else text[:limit] + f"……（共{len(text)}字，已完整记录）"


def stars(n: int) -> str:
    return "★" * n + "☆" * (5 - n)


def rating_summary(label: str, attitude: int, proficiency: int, comment: str) -> str:
    return render("rating_summary", label=label, attitude=stars(attitude), proficiency=stars(proficiency),
                  comment=comment or "无")


def complaint_summary(label: str, description: str, happened: str, anonymous: bool, phone: str,
                      evidence: int = 0) -> str:
    return render("complaint_summary", label=label, description=_short(description), happened=happened or "未说明",
                  anonymous="是（单位看不到您的身份）" if anonymous else "否", phone=phone or "未留（进展会通过本公众号通知您）",
                  evidence=f"\n附件材料：{evidence} 件" if evidence else "")


def ticket_line(ticket: Complaint, unit_name: str, today: Optional[date] = None) -> str:
    """One line of the user's ticket list."""
    flag = "（已超期，已督办）" if is_overdue(ticket, today or china_today()) else ""
    return f"· {ticket.ticket_id} {unit_name}：{ticket.status}{flag}，{_day(china_today(ticket.created_at))}提交"


def ticket_detail(ticket: Complaint, unit_name: str, events: Sequence[ComplaintEvent],
                  today: Optional[date] = None) -> str:
    """A ticket's status, deadline and latest handling note."""
    notes = [e for e in events if e.note]
    latest = f"{_day(china_today(notes[-1].at))} {notes[-1].to_status}：{_short(notes[-1].note, 200)}" if notes else "暂无"
    overdue = "（已超过办理时限，已督办）" if is_overdue(ticket, today or china_today()) else ""
    return render("ticket_detail", ticket=ticket.ticket_id, unit=unit_name, status=ticket.status, overdue=overdue,
                  submitted=_day(china_today(ticket.created_at)), deadline=_day(ticket.deadline), latest=latest)
