"""Command line: python -m bot <command>; `python -m bot --help` lists the commands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import runtime
from bot.config import Settings
from bot.db import init_schema, session_scope
from bot.errors import InvalidInput


def cmd_init_db(_: argparse.Namespace) -> int:
    """Create the tables and load the bundled sample directory and policies (idempotent)."""
    from bot.directory.importer import apply, numbered
    from bot.directory.sample import sample_rows
    from bot.policies.importer import load_sample

    init_schema(runtime.engine())
    try:
        tables = {name: numbered(rows) for name, rows in sample_rows().items()}
        with session_scope(runtime.sessions()) as session:
            report = apply(session, tables)
            policies = load_sample(session)
    except InvalidInput as exc:
        return _print_problems(exc)
    print(f"数据库已就绪（示例数据）：{report.summary()}；{policies.summary()}")
    return 0


def _print_problems(exc: InvalidInput) -> int:
    print(str(exc), file=sys.stderr)
    for problem in exc.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


def cmd_import_policies(args: argparse.Namespace) -> int:
    """Import policy files (YAML or XLSX, docs/policy-format.md): all or nothing."""
    from bot.policies.importer import import_files

    init_schema(runtime.engine())
    try:
        with session_scope(runtime.sessions()) as session:
            report = import_files(session, [Path(p) for p in args.files])
    except InvalidInput as exc:
        return _print_problems(exc)
    print(f"导入完成：{report.summary()}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.directory.fileformat import read_files
    from bot.directory.importer import apply

    init_schema(runtime.engine())
    try:
        tables = read_files(Path(p) for p in args.files)
        with session_scope(runtime.sessions()) as session:
            report = apply(session, tables)
    except InvalidInput as exc:
        return _print_problems(exc)
    print(f"导入完成：{report.summary()}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.directory.fileformat import write_csv, write_xlsx
    from bot.directory.importer import export_rows

    with session_scope(runtime.sessions()) as session:
        tables = export_rows(session)
    out = Path(args.out)
    paths = [write_xlsx(out, tables)] if out.suffix.lower() == ".xlsx" else write_csv(out, tables)
    print("已导出：" + "，".join(str(p) for p in paths))
    return 0


def cmd_export_policies(args: argparse.Namespace) -> int:
    from bot.policies.importer import export_policies, write_yaml

    with session_scope(runtime.sessions()) as session:
        policies = export_policies(session)
    print(f"已导出 {len(policies)} 条政策：{write_yaml(Path(args.out), policies)}")
    return 0


def cmd_build_dict(args: argparse.Namespace) -> int:
    """Generate jieba's user dictionary, the NLU lookup tables and the catalogue's NLU examples."""
    from bot.nlp.dictionary import build_dictionary
    from bot.nlp.examples import write_examples
    from bot.nlp.lookups import write_lookups

    with session_scope(runtime.sessions()) as session:
        path = build_dictionary(session, runtime.settings().dict_dir)
        lookups = write_lookups(session, Path(args.lookups))
        examples = write_examples(session, Path(args.lookups).with_name("catalogue.yml"), str(path))
    print(f"已生成：{path}，{lookups}，{examples}")
    return 0


def cmd_eval_policies(args: argparse.Namespace) -> int:
    """Score policy answers on the held-out questions, by question type (bot/policies/evaluate.py)."""
    from bot.policies.evaluate import LABELLED_ON, evaluate, load_questions

    report = evaluate(runtime.policy_index(), load_questions(), LABELLED_ON)
    print(report.table())
    if args.misses:
        print("\n".join(report.misses()))
    return 0


def cmd_web(_: argparse.Namespace) -> int:
    """Serve the web app (chat page, service cards, local WeChat API sandbox)."""
    from bot.web.app import main as web_main

    settings = _safe_settings()
    if settings is None:
        return 2
    web_main(settings)
    return 0


def cmd_wechat_menu(_: argparse.Namespace) -> int:
    """Publish the custom menu through WeChat's API (WECHAT_API_BASE)."""
    import asyncio

    from bot.errors import Unavailable, WeChatAPIError
    from bot.wechat.api import WeChatClient
    from bot.wechat.menu import MENU

    hints = {40013: "AppID 无效，请检查 WECHAT_APP_ID", 40125: "AppSecret 无效，请检查 WECHAT_APP_SECRET",
             40164: "本机 IP 不在公众号的 IP 白名单中", 48001: "公众号没有自定义菜单接口的权限"}

    async def publish() -> None:
        async with WeChatClient.from_settings(runtime.settings(), runtime.sessions()) as client:
            await client.create_menu(MENU)

    init_schema(runtime.engine())  # the shared access_token lives in the database
    try:
        asyncio.run(publish())
    except WeChatAPIError as exc:
        hint = hints.get(exc.errcode) or ("菜单不符合微信的限制" if 40016 <= exc.errcode <= 40027 else "")
        print(f"菜单发布失败：{hint}（{exc}）" if hint else f"菜单发布失败：{exc}", file=sys.stderr)
        return 1
    except Unavailable as exc:
        print(f"菜单发布失败：无法连接微信接口 {runtime.settings().wechat_api_base}（{exc}）", file=sys.stderr)
        return 1
    names = "、".join(b["name"] for b in MENU["button"])
    print(f"菜单已发布：{names}")
    return 0


def cmd_notify(_: argparse.Namespace) -> int:
    """Send complainants the changes to their tickets not sent yet (the web app also does it every few seconds)."""
    import asyncio

    from bot.feedback.notify import notify_pending
    from bot.wechat.api import WeChatClient

    settings = runtime.settings()

    async def run() -> int:
        async with WeChatClient.from_settings(settings, runtime.sessions()) as client:
            return await notify_pending(client, runtime.sessions(), settings.wechat_template_complaint,
                                        f"{settings.public_url}/chat")

    init_schema(runtime.engine())
    print(f"已发送投诉进展通知 {asyncio.run(run())} 条")
    return 0


def cmd_push_policies(args: argparse.Namespace) -> int:
    """Push new policies to subscribers whose enterprises fit them (the web app also does it every few minutes)."""
    import asyncio

    from bot.policies.push import push_policies
    from bot.wechat.api import WeChatClient

    settings = runtime.settings()

    async def run() -> str:
        if args.dry_run:  # prints each push it would send
            summary = await push_policies(None, runtime.sessions(), settings.public_url, settings.push_quiet_hours,
                                          settings.push_daily_cap, dry_run=True)
            return summary.text(settings.push_quiet_hours)
        async with WeChatClient.from_settings(settings, runtime.sessions()) as client:
            summary = await push_policies(client, runtime.sessions(), settings.public_url, settings.push_quiet_hours,
                                          settings.push_daily_cap)
            return summary.text(settings.push_quiet_hours)

    init_schema(runtime.engine())
    print(asyncio.run(run()))
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    """Create a city administrator of the web console (the first one, or another)."""
    from getpass import getpass

    from bot.console.accounts import create_account
    from bot.errors import Duplicate

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass("密码（至少 10 个字符）：")
        if getpass("再次输入密码：") != password:
            print("两次输入的密码不一致，未创建账号", file=sys.stderr)
            return 1
    init_schema(runtime.engine())
    try:
        with session_scope(runtime.sessions()) as session:
            create_account(session, args.login, args.name or args.login, password, "admin")
    except (InvalidInput, Duplicate) as exc:
        print(f"未创建账号：{exc}", file=sys.stderr)
        return 1
    print(f"已创建管理员 {args.login}，登录地址：{runtime.settings().public_url}/console/login")
    return 0


def _safe_settings() -> "Settings | None":
    """The settings, or None (after printing why) when production mode would start unsafely."""
    settings = runtime.settings()
    problems = settings.production_problems()
    for problem in problems:
        print(f"生产环境配置不安全：{problem}", file=sys.stderr)
    return None if problems else settings


def cmd_rasa_server(_: argparse.Namespace) -> int:
    """The Rasa server (channels, HTTP API behind its token), secrets from the environment."""
    from bot.channels.servers import run_rasa

    settings = _safe_settings()
    if settings is None:
        return 2
    run_rasa(settings)
    return 0


def cmd_action_server(_: argparse.Namespace) -> int:
    """The action server: loopback (or SYB_ACTIONS_HOST), callers must send the shared token."""
    from bot.channels.servers import run_actions

    settings = _safe_settings()
    if settings is None:
        return 2
    run_actions(settings)
    return 0


def cmd_serve(_: argparse.Namespace) -> int:
    from bot.serve import serve

    return serve(runtime.settings())


def cmd_env(_: argparse.Namespace) -> int:
    """Print the settings as shell exports (for the Rasa commands the Makefile runs directly)."""
    import shlex

    settings = runtime.settings()
    for key, value in sorted({**settings.to_env(), **settings.endpoints_env()}.items()):
        print(f"export {key}={shlex.quote(value)}")
    return 0


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="@沈阳营商 assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create tables and load the sample directory").set_defaults(func=cmd_init_db)
    p = sub.add_parser("import-directory", help="import XLSX/CSV directory files (all or nothing)")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("import-policies", help="import YAML/XLSX policy files (all or nothing)")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_import_policies)
    p = sub.add_parser("export-directory", help="export the directory to OUT.xlsx or a folder of CSV files")
    p.add_argument("out")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("export-policies", help="export every policy to OUT.yml in the import format")
    p.add_argument("out")
    p.set_defaults(func=cmd_export_policies)
    p = sub.add_parser("build-dict", help="generate jieba's user dictionary, the NLU lookup tables and catalogue examples")
    p.add_argument("--lookups", default="data/nlu/generated/lookups.yml")
    p.set_defaults(func=cmd_build_dict)
    p = sub.add_parser("eval-policies", help="score policy answers on the held-out questions, by question type")
    p.add_argument("--misses", action="store_true", help="also print every wrong answer")
    p.set_defaults(func=cmd_eval_policies)
    sub.add_parser("web", help="serve the chat page, service cards and the local WeChat sandbox").set_defaults(func=cmd_web)
    sub.add_parser("wechat-menu", help="publish the custom menu (我要找人 / 评价投诉 / 政策查询)").set_defaults(func=cmd_wechat_menu)
    sub.add_parser("notify", help="send complainants the ticket changes not sent yet").set_defaults(func=cmd_notify)
    p = sub.add_parser("push-policies", help="push new policies to subscribers whose enterprises fit them")
    p.add_argument("--dry-run", action="store_true", help="print what would be sent; send and write nothing")
    p.set_defaults(func=cmd_push_policies)
    sub.add_parser("env", help="print the settings as shell exports").set_defaults(func=cmd_env)
    p = sub.add_parser("create-admin", help="create an administrator of the web console (/console)")
    p.add_argument("--login", required=True)
    p.add_argument("--name", default="", help="display name (default: the login)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.set_defaults(func=cmd_create_admin)
    sub.add_parser("serve", help="start the web app, the action server and the Rasa server").set_defaults(func=cmd_serve)
    sub.add_parser("rasa-server", help="the Rasa server alone (serve starts it)").set_defaults(func=cmd_rasa_server)
    sub.add_parser("action-server", help="the action server alone (serve starts it)").set_defaults(func=cmd_action_server)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
