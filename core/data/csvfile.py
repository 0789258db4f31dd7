"""Reading a CSV file into a pandas DataFrame: the layout sniffed from its first lines, the
file read once, in full, by pandas' C parser.

The layout (separator, decimal mark, header or not) is decided from the first 64 KB only,
so a big file costs one pass of `pandas.read_csv` and nothing more. Whatever cannot be
decided safely stops with a `UserError` that names the option that fixes it: a first line
that looks like data, or that has another number of fields than the rows below it, is never
taken for a header, or dropped, silently.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import gzip
import io
import os
import re
import warnings
from dataclasses import dataclass

from ..errors import UserError
from ..names import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, SEPARATORS

SAMPLE_BYTES = 64 * 1024  # what the layout is decided from
SAMPLE_ROWS = 200  # rows the header and decimal mark are judged on
SEP_ROWS = 50  # rows each candidate separator is tried on
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan|infinity)", re.I)
_COMMA_NUMBER = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")  # `0,75`: a decimal comma
_DOT_DECIMAL = re.compile(r"[+-]?\d*\.\d+([eE][+-]?\d+)?")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


@dataclass(frozen=True)
class CsvOptions:
    """How to read a file; None means: detect it from the file."""

    sep: str | None = None
    decimal: str | None = None
    header: bool = True
    skip_rows: int = 0


@dataclass(frozen=True)
class Layout:
    sep: str
    decimal: str
    encoding: str
    names: tuple[str, ...]  # column names: the header's, or positions "0", "1", …
    header: bool
    skipped: tuple[tuple[str, ...], ...] = ()  # fields of the first lines --skip-rows skips
    compression: str | None = None  # "gzip" for a .csv.gz
    # Spaces after separators (`1, 2`): pandas is told to skip them, which slows its parser,
    # so only when the sample has them.
    spaced: bool = False
    # Whether the file may hold more rows than MAX_ROWS (judged from the sample's line
    # length): then pandas stops reading after MAX_ROWS + 1 rows, which costs it a little.
    long: bool = True


def read_frame(path: str, options: CsvOptions):
    """The file as a DataFrame with exactly `layout.names` as its columns, and its layout."""
    _check_file(path)
    layout = sniff(path, options)
    return _read(path, layout, options.skip_rows), layout


def _check_file(path: str) -> None:
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file", field="data")
    if os.path.isdir(path):
        raise UserError(f"{path}: is a directory, not a CSV file", field="data")
    size = os.path.getsize(path)
    if size == 0:
        raise UserError(f"{path}: the file is empty", field="data")
    if size > MAX_FILE_BYTES:
        raise UserError(f"{path}: {size / 2**20:.0f} MiB is over the "
                        f"{MAX_FILE_BYTES // 2**20} MiB limit", field="data")


# ---------------------------------------------------------------- the layout

def sniff(path: str, options: CsvOptions) -> Layout:
    """Decide separator, decimal mark and column names from the start of the file."""
    text, encoding, compression = _sample(path)
    skipped, text = _skip_lines(text, options.skip_rows, path)
    sep = options.sep or _detect_sep(text)
    rows = _rows(text, sep, path)
    if not rows:
        where = f" after --skip-rows {options.skip_rows}" if options.skip_rows else ""
        raise UserError(f"{path}: no rows{where}", field="skip_rows" if where else "data")
    first, data = rows[0], rows[1:]
    decimal = options.decimal or _detect_decimal(data or rows, sep)
    if options.header:
        names = _header(path, first, data, decimal, options.skip_rows)
    else:
        names = tuple(str(i) for i in range(max(len(r) for r in rows)))
    if len(names) > MAX_COLUMNS:
        raise UserError(f"{path}: {len(names)} columns is over the {MAX_COLUMNS} limit",
                        field="data")
    fields = tuple(tuple(next(csv.reader([line], delimiter=sep), [])) for line in skipped)
    spaced = any(sep + blank in text for blank in " \t" if blank != sep)
    return Layout(sep, decimal, encoding, names, options.header, fields, compression, spaced,
                  _may_be_long(path, text, compression))


def _may_be_long(path: str, sample: str, compression: str | None) -> bool:
    """False when the file's size, at the sample's bytes per line, cannot come near MAX_ROWS
    (half of it, for lines that may be shorter further down; the row count is checked after
    the read as well)."""
    lines = sample.count("\n") or 1
    per_line = max(len(sample.encode()) / lines, 1.0)
    return compression is not None or os.path.getsize(path) / per_line > MAX_ROWS / 2


def _sample(path: str) -> tuple[str, str, str | None]:
    """The first SAMPLE_BYTES as text (whole lines only), the encoding to read with, and the
    compression (gzip files are read through, as some libraries ship their CSVs so)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SAMPLE_BYTES + 1)
        compression = "gzip" if head.startswith(b"\x1f\x8b") else None
        if compression:
            with gzip.open(path, "rb") as fh:
                head = fh.read(SAMPLE_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise UserError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})",
                        field="data") from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise UserError(f"{path}: not a UTF-8 text file (it looks like UTF-16 or binary "
                        "data); save it as CSV UTF-8", field="data")
    encoding = "utf-8"
    if head.startswith(b"\xef\xbb\xbf"):  # Excel's "CSV UTF-8" starts with a byte-order mark
        head, encoding = head[3:], "utf-8-sig"
    if len(head) > SAMPLE_BYTES:
        cut = max(head.rfind(b"\n", 0, SAMPLE_BYTES), head.rfind(b"\r", 0, SAMPLE_BYTES))
        if cut < 0:
            raise UserError(f"{path}: the first line is over {SAMPLE_BYTES // 1024} KB long; "
                            "is this a CSV file?", field="data")
        head = head[:cut]
    try:
        return head.decode("utf-8"), encoding, compression
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file; save it as CSV UTF-8",
                        field="data") from None


def _skip_lines(text: str, n: int, path: str) -> tuple[tuple[str, ...], str]:
    """(the first few lines skipped, the text after the first n lines)."""
    if not n:
        return (), text
    parts = _LINE_BREAK.split(text, maxsplit=n)
    if len(parts) <= n:
        raise UserError(f"{path}: --skip-rows {n} skips every line of the file",
                        field="skip_rows")
    return tuple(parts[: min(n, 3)]), parts[n]


def _rows(text: str, sep: str, path: str, limit: int = SAMPLE_ROWS) -> list[list[str]]:
    """Up to `limit` records, blank lines left out (as pandas leaves them out)."""
    out = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep,
                              skipinitialspace=True):
            if any(cell.strip() for cell in row):
                out.append(row)
                if len(out) == limit:
                    break
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit()
        raise UserError(f"{path}: not a valid CSV ({exc})", field="data") from None
    return out


def is_comma_number(cell: str) -> bool:
    """Whether a cell is a number written with a decimal comma (`0,75`, `-1,5e3`)."""
    return bool(_COMMA_NUMBER.fullmatch(cell.strip()))


def _is_number(cell: str, decimal: str = ".") -> bool:
    cell = cell.strip()
    if decimal == ",":
        return is_comma_number(cell) or (
            "." not in cell and bool(_NUMBER.fullmatch(cell)))
    return bool(_NUMBER.fullmatch(cell))


def _detect_sep(text: str) -> str:
    """The separator that splits the rows below the first into the same number (> 1) of
    fields, preferring the one that leaves the most cells reading as numbers (`;` wins over
    `,` in a file with decimal commas), then the most columns, then the order of SEPARATORS."""
    best, best_score = SEPARATORS[0], None
    for sep in SEPARATORS:
        try:
            rows = _rows(text, sep, "", SEP_ROWS)
        except UserError:
            continue
        data = rows[1:] or rows
        if not data:
            continue
        widths = {len(r) for r in data}
        width = max(widths)
        decimal = "," if sep != "," else "."
        numeric = sum(_is_number(c) or _is_number(c, decimal) for r in data for c in r)
        score = (len(widths) == 1 and width > 1, numeric, width)
        if best_score is None or score > best_score:
            best, best_score = sep, score
    return best


def _detect_decimal(rows: list[list[str]], sep: str) -> str:
    """`,` when some cells are decimal-comma numbers (`0,75`) and none has a decimal point."""
    if sep == ",":
        return "."
    cells = [c.strip() for r in rows for c in r]
    commas = any(is_comma_number(c) for c in cells)
    dots = any(_DOT_DECIMAL.fullmatch(c) for c in cells)
    return "," if commas and not dots else "."


def _header(path: str, first: list[str], data: list[list[str]], decimal: str,
            skip: int) -> tuple[str, ...]:
    """The first row as column names, once it is clear that it is a header."""
    names = [c.strip() for c in first]
    shown = _preview(first)
    widths = {len(r) for r in data}
    if len(widths) == 1 and len(names) != (width := widths.pop()):
        more = f"--skip-rows {skip + 1}"
        raise UserError(
            f"{path}: the first line ({shown}) has {len(names)} fields but the rows below it "
            f"have {width}, so it is not a header of column names. If it is a line to skip "
            f"(e.g. row and column counts, as some libraries' bundled CSVs start), use {more}, "
            "with --no-header if no header line follows it", field="skip_rows")
    numeric = [_is_number(c, decimal) for c in names]
    like_rows = bool(data) and all(len(r) == len(names) for r in data) and numeric == [
        all(_is_number(r[j], decimal) for r in data) for j in range(len(names))]
    if any(numeric) and (all(numeric) or like_rows):
        what = "holds numbers" if all(numeric) else "looks like a row of data (numbers where " \
            "the rows have numbers)"
        raise UserError(f"{path}: the first line ({shown}) {what}, not column names. If the "
                        "file has no header line, use --no-header (columns are then named by "
                        "position: --target -1 is the last)", field="no_header")
    if any(numeric):
        raise UserError(
            f"{path}: the first line ({shown}) mixes numbers and names, so it is not a "
            f"header of column names. If it is a line to skip (e.g. row and column counts "
            f"and class names), use --skip-rows {skip + 1} (with --no-header if no header "
            "line follows it); if it holds data, use --no-header", field="skip_rows")
    if not any(names):
        raise UserError(f"{path}: no header row with column names (the first line is blank "
                        "names); use --no-header if the file has none", field="data")
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise UserError(f"{path}: duplicate column name {dupes[0]!r}", field="data")
    # pandas' name for a column without one, which index columns written by to_csv() have
    return tuple(n or f"Unnamed: {i}" for i, n in enumerate(names))


def _preview(row: list[str], limit: int = 60) -> str:
    text = ",".join(row)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------- the read

@contextlib.contextmanager
def collector_paused():
    """Loading a CSV makes hundreds of thousands of long-lived objects (pandas' modules, on
    first use) and no garbage cycles; the cyclic garbage collector's passes over them cost
    about a tenth of the load. So it is paused, and afterwards every object is handed to
    its oldest generation at once (freeze, then unfreeze), which no pass walks soon."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def _read(path: str, layout: Layout, skip_rows: int):
    """One pass of pandas' C parser over the whole file, with the sniffed layout."""
    import pandas as pd

    try:
        with warnings.catch_warnings():
            # rows longer than the header would otherwise be trimmed (or shift into an index)
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path, sep=layout.sep, decimal=layout.decimal, encoding=layout.encoding,
                header=0 if layout.header else None, names=list(layout.names),
                skiprows=skip_rows, skipinitialspace=layout.spaced, index_col=False,
                nrows=MAX_ROWS + 1 if layout.long else None, compression=layout.compression,
                memory_map=layout.compression is None, engine="c",
                # empty cells and NaN words stay text, and table.py names them: pandas'
                # own NA detection costs its parser about a tenth of its time
                na_filter=False)
    except pd.errors.ParserWarning:
        raise UserError(f"{path}: some rows have more fields than the header has column names",
                        field="data") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a UTF-8 text file; save it as CSV UTF-8",
                        field="data") from None
    except (EOFError, OSError) as exc:  # a damaged gzip file
        raise UserError(f"{path}: cannot be read ({exc})", field="data") from None
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: the file has no columns", field="data") from None
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise UserError(f"{path}: not a valid CSV ({first})", field="data") from None
