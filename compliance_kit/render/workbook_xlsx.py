"""Low-level workbook writing for the Excel renderer: streaming sheets, safe text, styles and filters.

openpyxl runs in write-only mode (rows stream to disk: ~30 MB for 100,000 rows). What that mode
needs, and what this module takes care of:

* the frozen header and the column widths go out with the sheet's first row, so they are set first;
* a string that starts with `=` would be stored as a formula, and one that equals an error literal
  (`#DIV/0!`) as an error cell: such values are written through a WriteOnlyCell forced to text, with
  `quotePrefix` so that a person editing the cell keeps it text (also for `+`, `-` and `@`);
* conditional formatting, the autofilter and defined names are attached before the workbook is saved.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.hyperlink import Hyperlink

from ..evidence.values import parse_time

FORMULA_LEADS = frozenset("=+-@")
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ERROR_LITERALS = frozenset(ERROR_CODES)
_LEADS = frozenset("=+-@#")  # a first character that may turn text into a formula or an error value
MAX_TEXT = 32767
_AS_IS = frozenset({type(None), bool, int, float})  # cell values a write-only sheet takes unchanged

# (fill, font colour) per cell value, one palette per kind of column.
_RED, _GREEN, _AMBER = ("FFC7CE", "9C0006"), ("C6EFCE", "006100"), ("FFEB9C", "9C5700")
_PURPLE, _BLUE, _GREY, _TEAL = ("E4DFEC", "5B2C6F"), ("DDEBF7", "1F4E79"), ("EDEDED", "595959"), ("D9F2EF", "0B5E55")
_STATUS = {"FAIL": _RED, "ERROR": _AMBER, "WAIVED": _PURPLE, "PASS": _GREEN, "NOT_APPLICABLE": _GREY}
_CONTROL = {"NOT_SATISFIED": _RED, "NOT_ASSESSED": _AMBER, "WAIVED": _PURPLE, "SATISFIED": _GREEN, "MANUAL": _BLUE,
            "ATTESTED": _TEAL, "NOT_APPLICABLE": _GREY}
PALETTES: dict[str, dict[str, tuple[str, str]]] = {
    "status": _STATUS,  # resource and check verdicts
    "control": _CONTROL,  # control verdicts
    "verdict": {**_STATUS, **_CONTROL},  # either (Changes)
    "outcome": {
        "ok": _GREEN, "not_configured": _BLUE, "access_denied": _RED, "error": _RED, "not_collected": _AMBER,
    },
    "exception": {
        "applied": _PURPLE, "expired": _RED, "stale": _AMBER, "unmatched": _AMBER, "unknown": _AMBER,
    },
    "severity": {"critical": _RED, "high": _RED, "medium": _AMBER, "low": _BLUE, "info": _GREY},
}

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_ALIGN = Alignment(vertical="top", wrap_text=True)
LINK_FONT = Font(color="0563C1", underline="single")
WRAP = Alignment(vertical="top", wrap_text=True)


@dataclass(frozen=True)
class Link:
    """A cell value that links to a place in the workbook (`'Users'!A12`)."""

    value: Any
    location: str


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    palette: str | None = None  # conditional formatting by value (see PALETTES)
    wrap: bool = False  # wrap long text (small sheets only: every cell gets a style)


@dataclass
class Block:
    """One table: a header row, then data rows. `name` becomes a defined name over header and data."""

    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    name: str | None = None
    autofilter: bool = True


@dataclass
class Sheet:
    title: str
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)  # written under the data, in column A
    freeze: str = "A2"


def sheet_title(raw: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, no leading/trailing quote."""
    title = _SHEET_FORBIDDEN.sub("-", _ILLEGAL.sub("", raw)).strip().strip("'").strip() or "Sheet"
    title = title[:31]
    candidate, n = title, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = title[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


def location(title: str, row: int, column: int = 1) -> str:
    return f"{quote_sheetname(title)}!{get_column_letter(column)}{row}"


def defined_name(raw: str) -> str:
    """`ck_` + letters, digits and underscores: never mistaken for a cell reference (SOC2, R1C1)."""
    return "ck_" + re.sub(r"[^A-Za-z0-9_]", "_", raw)


def excel_time(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: UTC wall time, naive."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def as_date(value: Any) -> Any:
    """An exception's expiry as a real date when it is one (`2027-03-31`), else as given."""
    if value is None or isinstance(value, datetime | date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_time(text) or text or None


def clean_text(value: str) -> str:
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return value[:MAX_TEXT]


def is_risky(value: str) -> bool:
    """Would Excel (or openpyxl) read this string as something other than text?"""
    return bool(value) and (value[0] in FORMULA_LEADS or value in _ERROR_LITERALS)


class _Converter:
    """Turns row values into what a write-only sheet accepts, forcing risky strings to text."""

    def __init__(self, ws: Any, styles: dict[Any, Any]) -> None:
        self.ws = ws
        self._styles = styles  # style key -> StyleArray, shared by the sheets of one workbook

    def text_cell(self, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.data_type = "s"  # "=..." was bound as a formula and "#DIV/0!" as an error: text, always
        if value[:1] in FORMULA_LEADS:
            cell.quotePrefix = True  # stays text when a person edits the cell
        return cell

    def convert(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            if not value.isprintable():  # tabs, newlines (kept) or control characters (dropped: not XML)
                value = _ILLEGAL.sub("", value)
            if value[:1] in _LEADS and (value[0] != "#" or value in _ERROR_LITERALS):
                return self.text_cell(value[:MAX_TEXT])
            return value or None
        if kind is datetime:
            return excel_time(value)
        if kind is Link:
            return self.link(value)
        if isinstance(value, str):  # str subclasses (enums): plain text
            return self.convert(str(value.value) if hasattr(value, "value") else str(value))
        return value

    def _styled(self, cell: WriteOnlyCell, key: str, apply: Any) -> WriteOnlyCell:
        """Give CELL a style built once per sheet (hashing a Font or Alignment per cell is slow)."""
        template = self._styles.get(key)
        if template is None:
            apply(cell)
            self._styles[key] = copy(cell._style)
        else:
            cell._style = copy(template)
        return cell

    def link(self, link: Link) -> WriteOnlyCell:
        value = link.value
        if isinstance(value, str) and is_risky(clean_text(value)):
            cell = self.text_cell(clean_text(value))  # keeps its quotePrefix: styled here, not from the cache
            cell.hyperlink = Hyperlink(ref="", location=link.location)
            cell.font = LINK_FONT
            return cell
        if isinstance(value, str):
            value = clean_text(value)
        cell = WriteOnlyCell(self.ws, value=excel_time(value) if isinstance(value, datetime) else value)
        cell.hyperlink = Hyperlink(ref="", location=link.location)
        return self._styled(cell, "link", lambda c: setattr(c, "font", LINK_FONT))

    def row(self, values: Sequence[Any]) -> list[Any]:
        """VALUES converted; most are blanks, numbers or plain text and go as they are (a row of a
        10,000-user account's Users sheet has 45 cells)."""
        convert = self.convert
        return [v if type(v) in _AS_IS or (type(v) is str and v and v[0] not in _LEADS and v.isprintable())
                else convert(v) for v in values]

    def tall_row(self, values: Sequence[Any], wrap: Sequence[float]) -> list[Any]:
        """A row of several lines: the text of the wrapping columns wrapped and aligned to the top."""
        out = self.row(values)
        for i, value in enumerate(out):
            if i < len(wrap) and wrap[i] and type(value) is str:
                out[i] = self._styled(WriteOnlyCell(self.ws, value=value), "wrap",
                                      lambda c: setattr(c, "alignment", WRAP))
        return out


def _lines(values: Sequence[Any], wrap: Sequence[float]) -> int:
    """How many lines the tallest wrapped cell of a row needs (Calibri 11: ~1.2 characters per width unit)."""
    most = 1
    for value, width in zip(values, wrap, strict=False):
        if width and isinstance(value, str):
            per_line = int(width * 1.2)
            lines = sum(max(1, -(-len(part) // per_line)) for part in value.split("\n"))
            most = max(most, lines)
    return most


def _header(cell: Any) -> None:
    cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN


def _header_row(converter: _Converter, columns: Sequence[Column]) -> list[WriteOnlyCell]:
    cells = []
    for column in columns:
        cell = WriteOnlyCell(converter.ws, value=column.header)
        cell.data_type = "s"
        cells.append(converter._styled(cell, "header", _header))
    return cells


def _add_formatting(wb: Workbook, ws: Any, ranges: dict[str, list[str]], styles: dict[Any, Any]) -> None:
    """One `equal` rule per palette value over the palette's ranges; each colour registered once per workbook."""
    for palette_name, refs in sorted(ranges.items()):
        sqref = " ".join(refs)
        for value, (fill, font) in PALETTES[palette_name].items():
            key = ("dxf", fill, font)
            if key not in styles:
                dxf = DifferentialStyle(font=Font(color=font), fill=PatternFill(bgColor=fill, fill_type="solid"))
                styles[key] = wb._differential_styles.add(dxf)
            ws.conditional_formatting.add(sqref, Rule(type="cellIs", operator="equal", formula=[f'"{value}"'],
                                                      dxfId=styles[key]))


def write_sheet(wb: Workbook, sheet: Sheet, styles: dict[Any, Any] | None = None) -> None:
    """Stream SHEET into a write-only workbook. STYLES: a cache shared by the sheets of WB (one per workbook)."""
    ws = wb.create_sheet(sheet.title)
    # Before the first row: a write-only sheet writes its views and columns with it.
    ws.freeze_panes = sheet.freeze
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # printed: landscape, one page wide, header repeated
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    widths: dict[int, float] = {}
    for block in sheet.blocks:
        for i, column in enumerate(block.columns, 1):
            widths[i] = max(widths.get(i, 0), column.width)
    for i, width in sorted(widths.items()):
        ws.column_dimensions[get_column_letter(i)].width = width
    converter = _Converter(ws, {} if styles is None else styles)
    append, row_of = ws.append, converter.row
    row_number = 0
    ranges: dict[str, list[str]] = {}
    for index, block in enumerate(sheet.blocks):
        if index:
            ws.append([])
            row_number += 1
        ws.append(_header_row(converter, block.columns))
        row_number += 1
        first = row_number
        count = 0
        wrap = [c.width if c.wrap else 0 for c in block.columns]
        if any(wrap):
            for values in block.rows:
                lines = _lines(values, wrap)
                if lines > 1:  # spreadsheet programs do not all grow a row for wrapped text on opening
                    ws.row_dimensions[row_number + count + 1].height = min(15 * lines, 409)
                    append(converter.tall_row(values, wrap))
                else:
                    append(row_of(values))
                count += 1
        else:
            for values in block.rows:
                append(row_of(values))
                count += 1
        row_number += count
        last_col = get_column_letter(max(len(block.columns), 1))
        if count:
            for i, column in enumerate(block.columns, 1):
                if column.palette:
                    letter = get_column_letter(i)
                    ranges.setdefault(column.palette, []).append(f"{letter}{first + 1}:{letter}{row_number}")
        ref = f"A{first}:{last_col}{row_number}"
        if block.autofilter and not ws.auto_filter.ref:
            ws.auto_filter.ref = ref
        if block.name:
            name = defined_name(block.name)
            wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!"
                                                 f"$A${first}:${last_col}${row_number}")
    if sheet.notes:
        if row_number > 1:
            ws.append([])
        for note in sheet.notes:
            ws.append([converter.convert("Note: " + note)])
    _add_formatting(wb, ws, ranges, converter._styles)

