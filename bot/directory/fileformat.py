"""Reading and writing directory files (XLSX workbooks and CSV files); see docs/directory-format.md."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

from bot.errors import InvalidInput

COLUMNS: dict[str, tuple[str, ...]] = {
    "units": (
        "code", "name", "short_name", "aliases", "category", "kind", "level", "district",
        "parent_code", "duties", "phones", "address", "hours", "website",
        "latitude", "longitude", "matters",
    ),
    "cadres": ("code", "name", "unit_code", "position", "duties", "phone", "photo"),
    "matters": ("code", "name", "synonyms", "description", "kinds", "level", "per_district", "examples", "materials"),
    "bundles": ("code", "name", "aliases", "examples", "matters", "where", "description"),
}
# The columns a file must have for its table to be recognised; the others may be left out
# (files written before a column was added still import).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "units": tuple(c for c in COLUMNS["units"] if c != "kind"),
    "cadres": COLUMNS["cadres"],
    "matters": ("code", "name", "synonyms"),
    "bundles": ("code", "name", "matters", "where"),
}

Rows = list[dict[str, str]]
# A table's rows keep their place for error messages: (row number, row), or for a catalogue
# entry its file and number ("core.yml 第 3 条").
NumberedRows = list[tuple["int | str", dict[str, str]]]


def read_files(paths: Iterable[Path]) -> dict[str, NumberedRows]:
    """Read every table found in ``paths``; a table given twice is an error."""
    tables: dict[str, NumberedRows] = {}
    from_yaml: set[str] = set()
    for path in paths:
        is_yaml = Path(path).suffix.lower() in (".yml", ".yaml")
        for table, rows in _read_one(Path(path)).items():
            if table in tables and not (is_yaml and table in from_yaml):  # a catalogue may span files
                raise InvalidInput(f"表 {table} 出现了不止一次（{path}）")
            tables.setdefault(table, []).extend(rows)
            if is_yaml:
                from_yaml.add(table)
    return tables


def _read_one(path: Path) -> dict[str, NumberedRows]:
    if not path.exists():
        raise InvalidInput(f"文件不存在：{path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix in (".yml", ".yaml"):
        return _read_yaml(path)
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            grid = [row for row in csv.reader(fh)]
        return {_table_for_header(grid[0] if grid else [], path.name): _to_rows(grid)}
    raise InvalidInput(f"不支持的文件类型：{path.name}（只支持 .xlsx、.csv 和事项目录的 .yml）")


def _read_xlsx(path: Path) -> dict[str, NumberedRows]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(f"无法读取工作簿 {path.name}：{exc}") from exc
    tables: dict[str, NumberedRows] = {}
    for sheet in book.worksheets:
        name = sheet.title.strip().lower()
        if name not in COLUMNS:
            continue
        grid = [["" if v is None else _cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        if grid:
            _table_for_header(grid[0], f"{path.name}:{sheet.title}", expected=name)
        tables[name] = _to_rows(grid)
    book.close()
    if not tables:
        raise InvalidInput(f"工作簿 {path.name} 中没有 {'、'.join(COLUMNS)} 工作表")
    return tables


def _read_yaml(path: Path) -> dict[str, NumberedRows]:
    """A catalogue file: a YAML list of matters, or of bundles (entries with ``matters``).

    Lists become ``|``-joined cells and ``aliases`` of a matter its ``synonyms``; an entry without a
    ``code`` gets ``M-<FILE>-<n>`` (``B-`` for bundles), so keep entries in place or give codes.
    Entry numbers stand for row numbers in error messages.
    """
    import yaml

    try:
        items = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"无法读取 {path.name}：{exc}") from exc
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput(f"{path.name} 应为事项或“一件事”的列表")
    table = "bundles" if any("matters" in i for i in items) else "matters"
    prefix = f"{'B' if table == 'bundles' else 'M'}-{path.stem.upper()}"
    rows: NumberedRows = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        row: dict[str, str] = {}
        for key, value in item.items():
            column = "synonyms" if table == "matters" and key == "aliases" else str(key)
            if column not in COLUMNS[table]:
                problems.append(f"{path.name} 第 {number} 条：不认识的字段“{key}”")
                continue
            row[column] = _yaml_cell(value)
        row.setdefault("code", f"{prefix}-{number:03d}")
        rows.append((f"{path.name} 第 {number} 条", row))
    if problems:
        raise InvalidInput(f"{path.name} 有 {len(problems)} 处问题，未做任何修改", problems)
    return {table: rows}


def _yaml_cell(value: object) -> str:
    if isinstance(value, list):
        return "|".join(_yaml_cell(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value).strip()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _table_for_header(header: list[str], where: str, expected: "str | None" = None) -> str:
    cols = [h.strip() for h in header]
    for table, wanted in REQUIRED_COLUMNS.items():
        if expected and table != expected:
            continue
        missing = [c for c in wanted if c not in cols]
        if not missing:
            return table
        if expected:
            raise InvalidInput(f"{where} 缺少列：{'、'.join(missing)}")
    raise InvalidInput(f"{where} 的表头无法识别，应为 {'、'.join(COLUMNS)} 之一的列")


def _to_rows(grid: list[list[str]]) -> NumberedRows:
    if not grid:
        return []
    header = [h.strip() for h in grid[0]]
    rows: NumberedRows = []
    for number, cells in enumerate(grid[1:], start=2):
        if not any(str(c).strip() for c in cells):
            continue
        padded = list(cells) + [""] * (len(header) - len(cells))
        rows.append((number, {h: str(v).strip() for h, v in zip(header, padded) if h}))
    return rows


def write_csv(folder: Path, tables: dict[str, Rows]) -> list[Path]:
    """Write each table to ``folder/<table>.csv`` (UTF-8 with BOM, so Excel opens it)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, rows in tables.items():
        path = folder / f"{table}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS[table])
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


def write_xlsx(path: Path, tables: dict[str, Rows]) -> Path:
    """Write the tables as sheets of one workbook."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in COLUMNS:
        sheet = book.create_sheet(table)
        sheet.append(list(COLUMNS[table]))
        for row in tables.get(table, []):
            sheet.append([row.get(c, "") for c in COLUMNS[table]])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
