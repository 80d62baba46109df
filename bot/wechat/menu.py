"""The Official Account's custom menu and what each key (menu click or QR-code scene) starts."""
from __future__ import annotations

from typing import Any, Optional

# Menu keys are named for the intent of the flow they start (domain-contract.md).
FLOWS = {
    "FIND_CONTACT": "find_contact",
    "RATE_SERVICE": "rate_service",
    "COMPLAIN": "complain",
    "CHECK_COMPLAINT": "check_complaint",
    "ASK_POLICY": "ask_policy",
    "RECOMMEND_POLICY": "recommend_policy",
    "REGISTER_ENTERPRISE": "register_enterprise",
    "SUBSCRIBE_PUSH": "subscribe_push",
}

# WeChat allows three top-level buttons of at most five sub-buttons each.
MENU: dict[str, Any] = {
    "button": [
        {"type": "click", "name": "我要找人", "key": "FIND_CONTACT"},
        {
            "name": "评价投诉",
            "sub_button": [
                {"type": "click", "name": "我要评价", "key": "RATE_SERVICE"},
                {"type": "click", "name": "我要投诉", "key": "COMPLAIN"},
                {"type": "click", "name": "我的投诉", "key": "CHECK_COMPLAINT"},
            ],
        },
        {
            "name": "政策查询",
            "sub_button": [
                {"type": "click", "name": "政策问答", "key": "ASK_POLICY"},
                {"type": "click", "name": "为我推荐", "key": "RECOMMEND_POLICY"},
                {"type": "click", "name": "企业注册", "key": "REGISTER_ENTERPRISE"},
                {"type": "click", "name": "订阅推送", "key": "SUBSCRIBE_PUSH"},
            ],
        },
    ]
}


def flow_trigger(key: str) -> Optional[str]:
    """The assistant message a menu key or QR scene starts, e.g. ``/rate_service{"unit_code":"X"}``.

    A scene key is ``FLOW`` or ``FLOW:UNIT_CODE`` (a QR code posted at a unit's window); a key
    that names no flow gives None.
    """
    key = key.removeprefix("qrscene_")
    flow, _, unit_code = key.partition(":")
    intent = FLOWS.get(flow.upper())
    if intent is None:
        return None
    if unit_code and unit_code.replace("-", "").isalnum():
        return f'/{intent}{{"unit_code":"{unit_code}"}}'
    return f"/{intent}"
