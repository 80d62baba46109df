"""The console's audit log: every sign-in, change and refused request, kept for administrators."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.base import utcnow
from bot.db.console import AuditEntry
from bot.logsafe import printable

ACTIONS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "status_change": "变更工单状态",
    "reassign": "转办工单",
    "account_create": "创建账号",
    "account_disable": "停用账号",
    "account_enable": "启用账号",
    "password_reset": "重置密码",
    "refused": "拒绝访问",
    "bad_csrf": "表单校验失败",
}
ANONYMOUS = "anonymous"


def record(session: Session, actor: str, action: str, target: str = "", detail: str = "", client_ip: str = "",
           now: Optional[datetime] = None) -> AuditEntry:
    """Add one row, its texts escaped (bot.logsafe); the caller commits (with the change it describes,
    or on its own for a refusal)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(at=now or utcnow(), actor=printable(actor, 64), action=action, target=printable(target, 80),
                       detail=printable(detail, 1000), client_ip=printable(client_ip, 64))
    session.add(entry)
    return entry


def entries(session: Session, page: int, per_page: int = 50) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first, and the number of rows in all."""
    total = int(session.scalar(select(func.count(AuditEntry.id))) or 0)
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                           .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total
