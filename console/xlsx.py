"""A lean XLSX writer for the exports: rows go straight into a sheet of a zip on disk, nothing is kept in memory.

XlsxWriter, even in its constant_memory mode, spends some 50 µs of bookkeeping per row of 21 cells, so
100,000 cases took about a minute; this writes each row as one XML string. It writes only what the exports
need: strings (inline, always as text, never a formula), numbers, local times (as Excel dates), a bold
heading row, column widths, a frozen first row, several sheets one after the other.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from math import isfinite
from typing import IO

Value = str | int | float | datetime | None
EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk, right from March 1900 on)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DATE, BOLD = 1, 2  # the cellXfs of styles.xml below
# &, < and > escaped; the control characters XML 1.0 cannot hold, dropped.
ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
           **{c: None for c in (*range(0, 9), 11, 12, *range(14, 32))}}
BAD_NAME = str.maketrans({c: " " for c in "[]:*?/\\"})


def column_letters(count: int) -> list[str]:
    """A, B, …, Z, AA, AB, … for `count` columns."""
    letters = []
    for i in range(count):
        name, n = "", i + 1
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def _cell(ref: str, value: Value, style: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{value.translate(ESCAPES)}</t></is></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{DATE}"><v>{(value - EPOCH).total_seconds() / 86400!r}</v></c>'
    if isinstance(value, bool) or not isfinite(value):
        return _cell(ref, str(value), style)
    return f'<c r="{ref}"{style}><v>{value!r}</v></c>'


class Sheet:
    """One worksheet being written: rows in order, then closed."""

    def __init__(self, stream: IO[bytes], widths: Sequence[float], frozen: bool) -> None:
        self.stream, self.row, self.letters = stream, 0, column_letters(64)
        pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' if frozen else "")
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        stream.write((f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetViews><sheetView workbookViewId="0">'
                      f'{pane}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                      f'{f"<cols>{cols}</cols>" if cols else ""}<sheetData>').encode())

    def rows(self, rows: Iterable[Sequence[Value]], bold: bool = False) -> None:
        style = f' s="{BOLD}"' if bold else ""
        parts = []
        for cells in rows:
            self.row += 1
            n = str(self.row)
            if len(cells) > len(self.letters):
                self.letters = column_letters(len(cells))
            found = "".join(_cell(c + n, v, style) for c, v in zip(self.letters, cells, strict=False))
            parts.append(f'<row r="{n}">{found}</row>')
        self.stream.write("".join(parts).encode())

    def close(self) -> None:
        self.stream.write(b"</sheetData></worksheet>")
        self.stream.close()


class Workbook:
    """An XLSX file at `path`, written sheet by sheet (one open at a time, as a zip allows)."""

    def __init__(self, path: str) -> None:
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.names: list[str] = []
        self.open: Sheet | None = None

    def sheet(self, name: str, widths: Sequence[float] = (), frozen: bool = False) -> Sheet:
        """A new sheet (the one before it is finished)."""
        if self.open:
            self.open.close()
        self.names.append(name.translate(BAD_NAME)[:31])
        stream = self.zip.open(f"xl/worksheets/sheet{len(self.names)}.xml", "w", force_zip64=True)
        self.open = Sheet(stream, widths, frozen)
        return self.open

    def close(self) -> None:
        """The last sheet finished, and the parts that tie the sheets together."""
        if self.open:
            self.open.close()
            self.open = None
        count = len(self.names)
        sheets = "".join(f'<sheet name="{name.translate(ESCAPES)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, name in enumerate(self.names, 1))
        links = "".join(f'<Relationship Id="rId{i}" Type="{RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                        for i in range(1, count + 1))
        kinds = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, count + 1))
        parts = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{kinds}</Types>'),
            "_rels/.rels": (f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
                            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
            "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>{sheets}</sheets></workbook>',
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{PACKAGE}">{links}<Relationship Id="rId{count + 1}" '
                f'Type="{RELS}/styles" Target="styles.xml"/></Relationships>'),
            "xl/styles.xml": STYLES,
        }
        for name, body in parts.items():
            self.zip.writestr(name, HEAD + body)
        self.zip.close()


STYLES = (
    f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '</numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/>'
    '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
    '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
