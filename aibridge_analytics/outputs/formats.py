"""Writing frames for people and programs: table, JSON, CSV and Parquet.

JSON is the stable machine format: a list of objects keyed by column name, timestamps as ISO 8601
in UTC, lists as JSON arrays. Writes to a file go through a temporary file and a rename, so a
killed run never leaves half an output behind; a symlink is followed and its target replaced, a
character device or FIFO is opened and written, and nothing else that is not a regular file is
ever replaced (:func:`resolve_output`, :func:`atomic_write`).

Text from the data is made harmless where a reader could be fooled by it: CSV cells a spreadsheet
would evaluate as a formula get a leading ``'`` (``csv-raw`` keeps them exact), tables show
control characters as escapes (:func:`visible`), and Markdown escapes markup (:func:`markdown_text`).
"""

from __future__ import annotations

import errno
import html
import io
import json
import os
import re
import shutil
import stat
import sys
import zoneinfo
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import polars as pl

from aibridge_analytics.coder import COST_CURRENCY
from aibridge_analytics.errors import OutputError, UsageError, first_line

FORMATS = ("table", "json", "csv", "csv-raw", "parquet")


def jsonable(value: Any) -> Any:
    """``value`` with dates and times as ISO 8601 text, inside lists and dicts too: what ``json`` can write."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def to_json(frame: pl.DataFrame) -> str:
    """The frame as a JSON list of objects (stable, machine-readable)."""
    return json.dumps([jsonable(row) for row in frame.iter_rows(named=True)], indent=2, ensure_ascii=False)


def _flat_for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
    return frame.with_columns(pl.col(n).list.join(",") for n in lists) if lists else frame


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
_FORMULA_START = r"^[=+\-@\t\r]"


def _csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would evaluate, prefixed with ``'`` as OWASP recommends.

    Only text columns: a negative number in a numeric column stays a number.
    """
    text = [n for n, t in frame.schema.items() if t in (pl.String, pl.Categorical) or isinstance(t, pl.Enum)]
    return frame.with_columns(
        pl.when(pl.col(n).cast(pl.String).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(n).cast(pl.String))
        .otherwise(pl.col(n).cast(pl.String))
        .alias(n)
        for n in text
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED_CONTROLS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str) -> str:
    """``text`` with every C0 and C1 control character and DEL shown as an escape (``\\x1b``, ``\\n``).

    Data printed to a terminal must not drive it: an ESC in a provider name would otherwise clear
    the screen, set the window title or plant an OSC 8 link.
    """
    return _CONTROL.sub(lambda m: _NAMED_CONTROLS.get(m[0]) or f"\\x{ord(m[0]):02x}", text)


def markdown_text(value: Any) -> str:
    """``value`` as literal Markdown text: HTML escaped (renderers show it as text), line breaks as
    spaces, and the characters that make emphasis, code, links or table cells backslash-escaped.

    The one escaping of data in Markdown: the report's template and ``verify-backfill`` use it.
    """
    if value is None:
        return ""
    text = html.escape(str(value), quote=False)
    text = re.sub(r"[\r\n]+", " ", text)
    return re.sub(r"([\\|`*_\[\]])", r"\\\1", text)


def table_width() -> int:
    """The width tables are drawn for: the terminal's (``COLUMNS`` if set), 200 for a pipe or file."""
    if sys.stdout.isatty() or "COLUMNS" in os.environ:
        return shutil.get_terminal_size((200, 40)).columns
    return 200


def render_table(
    frame: pl.DataFrame,
    title: str | None = None,
    width: int | None = None,
    right: Sequence[str] = (),
) -> str:
    """A readable text table with every row, ``width`` columns wide (default: :func:`table_width`).

    Columns are two spaces apart, and a cell is never folded: a header narrower columns need wraps
    after its underscores (``resolved_`` / ``provider_name``). A table that still does not fit is
    shown expanded instead, one block of ``column  value`` lines per row (psql's ``\\x auto``):
    folded into narrow columns, a summary's 21 figures were unreadable. ``right`` names the
    columns aligned right (numbers).
    """
    from rich.cells import cell_len

    if width is None:
        width = table_width()
    names = [visible(n) for n in frame.columns]
    cells = [[_cell(v) for v in row] for row in frame.iter_rows()]
    data = [max((cell_len(row[i]) for row in cells), default=0) for i in range(len(names))]
    words = [_header_words(n) for n in names]
    widths = [max(d, max(cell_len(w) for w in ws)) for d, ws in zip(data, words, strict=True)]
    gaps = 2 * (len(names) - 1)
    if cells and sum(widths) + gaps > width:
        return _blocks(frame.columns, cells, title, width)
    # Whole headers where there is room, left to right; the others wrap at their underscores.
    for i, name in enumerate(names):
        grown = max(widths[i], cell_len(name))
        if sum(widths) - widths[i] + grown + gaps <= width:
            widths[i] = grown
    headers = [_wrap_header(ws, w) for ws, w in zip(words, widths, strict=True)]
    depth = max((len(h) for h in headers), default=1)
    aligned = [name in right for name in frame.columns]

    def line(values: Sequence[str]) -> str:
        parts = [
            " " * (w - cell_len(v)) + v if r else v + " " * (w - cell_len(v))
            for v, w, r in zip(values, widths, aligned, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    for level in range(depth):
        out.append(line([h[level - depth + len(h)] if level >= depth - len(h) else "" for h in headers]))
    out.append("  ".join("─" * w for w in widths))
    out += [line(row) for row in cells]
    return "\n".join(out) + "\n"


def _header_words(name: str) -> list[str]:
    """A header's pieces where it may wrap: after each underscore (``resolved_``, ``provider_``, ``name``)."""
    parts = name.split("_")
    return [p + "_" for p in parts[:-1]] + [parts[-1]]


def _wrap_header(words: Sequence[str], width: int) -> list[str]:
    lines = [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + len(word) > width:
            lines.append("")
        lines[-1] += word
    return lines


def _blocks(columns: Sequence[str], cells: Sequence[Sequence[str]], title: str | None, width: int) -> str:
    """One block of ``column  value`` lines per row, for a table too wide for ``width``."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True)
    for number, row in enumerate(cells, 1):
        record = Table(
            title=f"{title} - row {number}" if title else f"row {number}", show_header=False, title_justify="left"
        )
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        # Text, not str: rich would read "[bold]" or ":smile:" in the data as markup.
        for name, value in zip(columns, row, strict=True):
            record.add_row(Text(visible(name)), Text(value))
        console.print(record)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    return visible("" if value is None else (",".join(value) if isinstance(value, list) else str(value)))


# --- tables for people: numbers, durations, times, chosen columns and rows -----------------------


def duration_text(ms: float) -> str:
    """A duration given in milliseconds as a person reads it: ``850 ms``, ``5.7 s``, ``2.2 min``, ``1.5 h``."""
    if abs(ms) < 1000:
        return f"{ms:.0f} ms"
    if abs(ms) < 60_000:
        return f"{ms / 1000:.1f} s"
    if abs(ms) < 3_600_000:
        return f"{ms / 60_000:.1f} min"
    return f"{ms / 3_600_000:,.1f} h"


def money_text(micros: int) -> str:
    """An amount of micro-units (millionths of a currency unit) to the micro-unit, exactly:
    ``1,234.500000`` (integer arithmetic: no float can round it)."""
    whole, fraction = divmod(abs(micros), 1_000_000)
    return f"{'-' if micros < 0 else ''}{whole:,}.{fraction:06d}"


def _is_spend(name: str) -> bool:
    """A recorded spend column (``*_micros``, ``priced_*``, ``unpriced_*``): NULL there means the
    source records no spend, which a table says in words rather than leaving blank."""
    return name.endswith("_micros") or name.startswith(("priced_", "unpriced_"))


#: Figures computed with a price book, whose NULL means the book prices none of the group's usage
#: (or, for the difference, no usage is priced both ways): said so rather than "not recorded".
_BOOK_FIGURES = {"repriced_cost_micros": "not priced by the book", "difference_micros": "none to compare"}


def _human(name: str, value: Any, tz: str = "UTC") -> Any:
    if value is None and name in _BOOK_FIGURES:
        return _BOOK_FIGURES[name]
    if value is None and _is_spend(name):
        return "not recorded"
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and name.endswith("_micros"):
        return f"{COST_CURRENCY} {money_text(value)}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if name.endswith("_ms"):
            return duration_text(value)
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, datetime):
        if not value.tzinfo:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if tz == "UTC":
            # Instants in UTC to the second: the microseconds and the offset only widen the column.
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        # In another zone the offset says which: 2026-11-16 00:39:00+01 (+05:30 where it has minutes).
        local = value.astimezone(zoneinfo.ZoneInfo(tz))
        offset = local.strftime("%z")
        return local.strftime("%Y-%m-%d %H:%M:%S") + offset[:3] + (":" + offset[3:] if offset[3:] != "00" else "")
    return value


def for_people(frame: pl.DataFrame, tz: str = "UTC") -> pl.DataFrame:
    """The frame as text a person reads: thousands separators, ``*_ms`` durations in ms, s, min or h,
    ``*_micros`` amounts in currency units to the micro-unit, spend not recorded in words,
    instants to the second in ``tz`` (outside UTC with their offset). Only the table format uses it:
    CSV, JSON and Parquet stay raw."""
    return frame.with_columns(
        pl.Series(name, [_human(name, v, tz) for v in frame[name].to_list()], dtype=pl.String)
        for name, dtype in frame.schema.items()
        if dtype.is_numeric() or isinstance(dtype, pl.Datetime)
    )


@dataclass(frozen=True)
class View:
    """Which columns and rows of a frame are written (README: output formats).

    ``columns`` (asked for by name) selects in every format. ``compact``, most wanted first, is
    the table's default set: as many of them as fit the width. ``limit`` caps the rows written;
    ``rows_hint`` and ``columns_hint`` say, under a table, how to get what was left out.
    """

    columns: Sequence[str] | None = None
    compact: Sequence[str] | None = None
    limit: int | None = None
    rows_hint: str = ""
    columns_hint: str = ""
    #: The IANA zone a table shows instants in (the command's ``--tz``).
    tz: str = "UTC"


def column_name(text: str) -> str:
    """A column as a person may write it: ``resolved provider name`` is ``resolved_provider_name``."""
    return "_".join(text.split())


def select_columns(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """The frame's columns ``names`` (spaces read as underscores), in that order; an unknown one is a UsageError."""
    wanted = [column_name(n) for n in names if n.strip()]
    unknown = [n for n in wanted if n not in frame.columns]
    if unknown:
        raise UsageError(f"unknown column(s) {', '.join(unknown)}; the columns are {', '.join(frame.columns)}")
    return frame.select(list(dict.fromkeys(wanted)))


def _fitting(frame: pl.DataFrame, candidates: Sequence[str], width: int) -> list[str]:
    """The longest prefix-first choice of ``candidates`` whose table fits ``width`` (at least one column).

    A column is as wide as its widest cell or the longest word of its header (headers wrap), and
    columns are two spaces apart, as :func:`render_table` draws them.
    """
    chosen: list[str] = []
    used = -2
    for name in candidates:
        if name not in frame.columns:
            continue
        header = max(len(word) for word in _header_words(name))
        cells = max((len(_cell(v)) for v in frame[name].to_list()), default=0)
        need = max(header, cells) + 2
        if chosen and used + need > width:
            continue
        chosen.append(name)
        used += need
    return chosen


def _wrapped(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) + "\n"


def table_text(frame: pl.DataFrame, view: View, title: str | None = None, width: int | None = None) -> str:
    """The frame as a table for people (:func:`for_people`, the view's columns and rows), with a
    footer naming the rows and columns left out and how to get them."""
    width = table_width() if width is None else width
    total = frame.height
    if view.limit is not None:
        frame = frame.head(view.limit)
    if view.columns:
        frame = select_columns(frame, view.columns)
    shown = for_people(frame, view.tz)
    left_out: list[str] = []
    if not view.columns and view.compact:
        keep = _fitting(shown, view.compact, width)
        left_out = [c for c in frame.columns if c not in keep]
        shown = shown.select(keep)
    numeric = [n for n in frame.columns if frame[n].dtype.is_numeric()]
    text = render_table(shown, title, width, right=numeric)
    footer = []
    if frame.height < total:
        footer.append(f"{frame.height:,} of {total:,} rows shown, {total - frame.height:,} left out. {view.rows_hint}")
    if left_out:
        footer.append(f"Columns left out: {', '.join(left_out)}. {view.columns_hint}")
    return text + "".join(_wrapped(line.strip(), width) for line in footer)


@contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn a failure to write ``path`` (an OSError, DuckDB's I/O error) into one OutputError naming it."""
    try:
        yield
    except OSError as exc:
        raise output_failure(path, exc) from exc
    except Exception as exc:
        import duckdb

        if not isinstance(exc, duckdb.IOException):
            raise
        raise OutputError(f"cannot write {os.fspath(path)!r}: {first_line(exc)}") from exc


def output_failure(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    """The one-line error for an OSError met while writing ``path``."""
    problem = exc.strerror or str(exc)
    return OutputError(f"cannot write {os.fspath(path)!r}: {problem[:1].lower()}{problem[1:]}")


def resolve_output(path: str | os.PathLike[str], *, streams: bool = True) -> Path:
    """The file an output goes to: ``path`` with symlinks followed, checked before any work is done.

    Accepted: a regular file or a path that does not exist yet (its missing parent directories are
    created when writing), and, with ``streams``, a character device or FIFO (written by opening
    it). Anything else raises an OutputError naming ``path``: an empty path, a directory (``/``
    too), a path below something that is not a directory, a socket or block device.
    """
    text = os.fspath(path)
    if not text:
        raise OutputError("cannot write '': the output path is empty")
    try:
        mode = os.stat(text).st_mode  # through every symlink, /proc's fd links too
    except FileNotFoundError:
        return Path(os.path.realpath(text))  # absent, or a dangling symlink: the file it names
    except OSError as exc:
        raise output_failure(text, exc) from exc
    if stat.S_ISDIR(mode):
        raise output_failure(text, IsADirectoryError(errno.EISDIR, "is a directory: name a file in it"))
    if stat.S_ISREG(mode):
        return Path(os.path.realpath(text))  # renamed over: the link's target, not the link
    if streams and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        return Path(text)  # opened, never renamed (/dev/stdout on a pipe has no real path)
    kinds = "a regular file, a character device or a FIFO" if streams else "a regular file"
    raise OutputError(f"cannot write {text!r}: it is not {kinds}, and is not replaced")


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing (see :func:`resolve_output` for what ``path`` may be).

    A file is written beside its target and renamed over it (keeping the target's mode), so a
    reader sees the old content or the new, never half; a device or FIFO is opened and written.
    """
    target = resolve_output(path)
    with writing(path):
        if target.exists() and not target.is_file():  # a device or FIFO: replacing it would destroy it
            with open(target, "wb") as stream:
                stream.write(data)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            if target.exists():
                os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


def encode(frame: pl.DataFrame, fmt: str, title: str | None = None, view: View | None = None) -> bytes:
    """The frame in format ``fmt`` as bytes, ``view``'s rows and columns (default: all of them)."""
    view = view or View()
    if fmt == "table":
        return table_text(frame, view, title).encode()
    if view.limit is not None:
        frame = frame.head(view.limit)
    if view.columns:
        frame = select_columns(frame, view.columns)
    if fmt == "json":
        return (to_json(frame) + "\n").encode()
    if fmt == "csv":
        return _csv_safe(_flat_for_csv(frame)).write_csv().encode()
    if fmt == "csv-raw":
        return _flat_for_csv(frame).write_csv().encode()
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def emit(
    frame: pl.DataFrame,
    fmt: str,
    out: str | Path | None = None,
    title: str | None = None,
    stream: IO[bytes] | None = None,
    view: View | None = None,
) -> None:
    """Write ``frame`` (``view``'s rows and columns) as ``fmt`` to ``out`` (atomically) or to standard output."""
    if fmt == "parquet" and out is None and (stream or sys.stdout.buffer).isatty():
        refused = UsageError("parquet is binary data, not written to a terminal: give a file or another stream")
        raise refused.with_cli_hint("give --out FILE or redirect standard output")
    data = encode(frame, fmt, title, view)
    if out is not None:
        atomic_write(out, data)
    else:
        target = stream or sys.stdout.buffer
        target.write(data)
        target.flush()
