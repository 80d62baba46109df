"""Score "who do I contact" questions through a running assistant's REST channel.

Each item is a conversation: ``before`` (earlier messages, optional) and ``q`` (the scored message),
or ``turns`` (the last one scored). It is right when the first unit the replies name (a card's
【name】) is of one of the item's ``kinds`` (or its name contains one of ``accept``), lies in the
item's ``district`` ("city": a city-level unit) and the reply gives a phone; ``expect: cadre`` wants
the card of ``person``; ``expect: complaint`` wants the complaint form running afterwards (read
from the tracker through Rasa's HTTP API). Prints top-1, top-3, the "not found" rate and the table
by category; ``--json`` writes every outcome.

    python scripts/eval_contact.py --serve tests/integration/contact_queries.yml     # starts the servers
    python scripts/eval_contact.py --url http://127.0.0.1:5005 --token T FILE          # a running assistant
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PHONE = re.compile(r"\d{3,4}-?\d{7,8}|\b\d{5}\b")
NOT_FOUND = ("没有找到", "没有理解", "换个说法")
HALL_KINDS = {"01": "CENTER", "02": "REG", "03": "HPF", "04": "SI", "05": "MEDSVC", "06": "EXIT",
              "07": "VMO", "08": "TAX", "09": "PRTC", "10": "CONSTR", "11": "EMP"}


@dataclass(frozen=True)
class UnitInfo:
    name: str
    kind: str
    level: str
    district: Optional[str]


@dataclass
class Outcome:
    id: str
    category: str
    message: str
    reply: str
    units: list[str] = field(default_factory=list)
    top1: bool = False
    top3: bool = False
    not_found: bool = False


def kind_from_code(code: str) -> str:
    """The unit kind the sample directory's codes encode (for databases without a kind column)."""
    parts = code.split("-")
    if code.startswith("C-HALL-"):
        return HALL_KINDS.get(parts[2], "CENTER")
    if code.startswith("D-CENTER-"):
        return "CENTER"
    if code.startswith("S-"):
        return "STREET"
    if code.startswith("P-"):
        return "WATERCO" if parts[1] == "WATER" else parts[1]
    return parts[-1]


def load_units(database_url: str) -> dict[str, UnitInfo]:
    engine = create_engine(database_url, future=True)
    with engine.connect() as conn:
        try:
            rows = conn.execute(text("SELECT code, name, level, district, kind FROM units")).all()
        except Exception:  # an older schema without kinds: read them from the codes
            rows = [(*r, "") for r in conn.execute(text("SELECT code, name, level, district FROM units")).all()]
    return {name: UnitInfo(name, kind or kind_from_code(code), level, district) for code, name, level, district, kind in rows}


def load_items(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    for number, item in enumerate(items, 1):
        item.setdefault("id", f"{path.stem}-{number}")
    return items


class Client:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url.rstrip("/"), token

    def _call(self, path: str, body: Optional[dict[str, Any]] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def send(self, sender: str, message: str) -> list[str]:
        replies = self._call("/webhooks/rest/webhook", {"sender": sender, "message": message})
        return [r.get("text", "") for r in replies if r.get("text")]

    def active_loop(self, sender: str) -> str:
        from bot.channels.rest import conversation_id  # a REST sender talks in a conversation of its own

        path = (f"/conversations/{urllib.parse.quote(conversation_id(sender), safe=':')}/tracker"
                f"?token={urllib.parse.quote(self.token)}")
        return ((self._call(path) or {}).get("active_loop") or {}).get("name") or ""


def judge(item: dict[str, Any], replies: list[str], loop: str, units: dict[str, UnitInfo]) -> Outcome:
    turns = item.get("turns") or [*item.get("before", []), item["q"]]
    reply = "\n".join(replies)
    outcome = Outcome(str(item["id"]), item.get("category", ""), turns[-1], reply)
    expect = item.get("expect", "unit")
    if expect == "complaint":
        outcome.top1 = outcome.top3 = loop == "complaint_form"
        return outcome
    if expect == "cadre":
        person = item.get("person", "")
        outcome.top1 = outcome.top3 = f"服务名片】{person}" in reply and bool(PHONE.search(reply))
        outcome.not_found = "【" not in reply and any(w in reply for w in NOT_FOUND)
        return outcome
    found = units_in(reply, units)
    outcome.units = [u.name for u in found]
    right = [_is_right(item, u) for u in found[:3]]
    outcome.top1 = bool(right and right[0]) and bool(PHONE.search(reply))
    outcome.top3 = any(right)
    outcome.not_found = not found and any(w in reply for w in NOT_FOUND)
    return outcome


def units_in(reply: str, units: dict[str, UnitInfo]) -> list[UnitInfo]:
    """The units a reply names (cards and lists), in the order they appear; a name inside a longer one
    at the same place counts once."""
    spans = sorted(((m.start(), -len(name), name) for name in units for m in re.finditer(re.escape(name), reply)))
    found: list[UnitInfo] = []
    end = -1
    for start, negative_length, name in spans:
        if start < end:
            continue  # inside a longer name already taken
        end = start - negative_length
        if units[name] not in found:
            found.append(units[name])
    return found


def _is_right(item: dict[str, Any], unit: UnitInfo) -> bool:
    kinds, accept = item.get("kinds") or [], item.get("accept") or []
    if kinds or accept:
        if unit.kind not in kinds and not any(a in unit.name for a in accept):
            return False
    district = item.get("district")
    if district == "city":
        return unit.level == "city"
    return not district or unit.district == district


def run(items: list[dict[str, Any]], client: Client, units: dict[str, UnitInfo], workers: int) -> list[Outcome]:
    tag = uuid.uuid4().hex[:8]

    def one(item: dict[str, Any]) -> Outcome:
        sender = f"eval-{tag}-{item['id']}"
        turns = item.get("turns") or [*item.get("before", []), item["q"]]
        replies: list[str] = []
        for message in turns:
            replies = client.send(sender, message)
        loop = client.active_loop(sender) if item.get("expect") == "complaint" else ""
        return judge(item, replies, loop, units)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, items))


def report(outcomes: list[Outcome]) -> dict[str, float]:
    by: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by[o.category].append(o)
    print(f"{'类别':<18}{'数量':>6}{'top-1':>8}{'top-3':>8}{'没找到':>8}")
    for category in sorted(by):
        rows = by[category]
        print(f"{category:<18}{len(rows):>6}{_share(rows, 'top1'):>8.3f}{_share(rows, 'top3'):>8.3f}{_share(rows, 'not_found'):>8.3f}")
    totals = {k: _share(outcomes, k) for k in ("top1", "top3", "not_found")}
    print(f"{'合计':<18}{len(outcomes):>6}{totals['top1']:>8.3f}{totals['top3']:>8.3f}{totals['not_found']:>8.3f}")
    return totals


def _share(rows: list[Outcome], key: str) -> float:
    return sum(1 for r in rows if getattr(r, key)) / len(rows) if rows else 0.0


def _serve_and_run(items: list[dict[str, Any]], workers: int) -> list[Outcome]:
    """Start the assistant as make run does (a throwaway tracker database), score, stop it."""
    import tempfile

    from bot.config import Settings
    from bot.serve import free_port, start, stop

    with tempfile.TemporaryDirectory() as tmp:
        base = Settings.from_env()
        settings = Settings.from_env({
            **os.environ, "SYB_TRACKER_URL": f"sqlite:///{tmp}/tracker.db", "SYB_RASA_PORT": str(free_port()),
            "SYB_ACTIONS_PORT": str(free_port()), "SYB_WEB_PORT": str(free_port()),
            "SYB_PUSH_INTERVAL": "0", "SYB_NOTIFY_INTERVAL": "0",
            "SYB_MESSAGE_RATE": "1000000/60",  # hundreds of questions from one address: understanding, not limits
        })
        procs = start(settings, Path(tmp) / "log")
        try:
            client = Client(f"http://127.0.0.1:{settings.rasa_port}", settings.rasa_api_token)
            return run(items, client, load_units(base.database_url), workers)
        finally:
            stop(procs)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--token", help="Rasa HTTP API token (SYB_RASA_API_TOKEN)")
    parser.add_argument("--serve", action="store_true", help="start the servers (make run's configuration) on free ports")
    parser.add_argument("--database-url", default=None, help="the directory's database (default: the settings')")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write every outcome here")
    args = parser.parse_args(argv)
    from bot.config import Settings
    items = [item for path in args.files for item in load_items(path)]
    if args.serve:
        outcomes = _serve_and_run(items, args.workers)
    else:
        if not args.token:
            parser.error("--token is needed with --url")
        database_url = args.database_url or Settings.from_env().database_url
        outcomes = run(items, Client(args.url, args.token), load_units(database_url), args.workers)
    report(outcomes)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
