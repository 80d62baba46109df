"""Command line: python -m bot <command>; `python -m bot --help` lists the commands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import runtime
from bot.db import init_schema, session_scope
from bot.errors import InvalidInput


def cmd_init_db(_: argparse.Namespace) -> int:
    """Create the tables and load the bundled sample directory (idempotent)."""
    from bot.directory.importer import apply, numbered
    from bot.directory.sample import sample_rows

    init_schema(runtime.engine())
    tables = {name: numbered(rows) for name, rows in sample_rows().items()}
    with session_scope(runtime.sessions()) as session:
        report = apply(session, tables)
    print(f"数据库已就绪（示例数据）：{report.summary()}")
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
        print(str(exc), file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
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


def cmd_build_dict(args: argparse.Namespace) -> int:
    """Generate jieba's user dictionary and the NLU lookup tables from the database."""
    from bot.nlp.dictionary import build_dictionary
    from bot.nlp.lookups import write_lookups

    with session_scope(runtime.sessions()) as session:
        path = build_dictionary(session, runtime.settings().dict_dir)
        lookups = write_lookups(session, Path(args.lookups))
    print(f"已生成：{path}，{lookups}")
    return 0


def cmd_serve(_: argparse.Namespace) -> int:
    from bot.serve import serve

    return serve(runtime.settings())


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="@沈阳营商 assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init-db", help="create tables and load the sample directory").set_defaults(func=cmd_init_db)
    p = sub.add_parser("import-directory", help="import XLSX/CSV directory files (all or nothing)")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("export-directory", help="export the directory to OUT.xlsx or a folder of CSV files")
    p.add_argument("out")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("build-dict", help="generate jieba's user dictionary and the NLU lookup tables")
    p.add_argument("--lookups", default="data/nlu/generated/lookups.yml")
    p.set_defaults(func=cmd_build_dict)
    sub.add_parser("serve", help="start the action server and the Rasa server").set_defaults(func=cmd_serve)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
