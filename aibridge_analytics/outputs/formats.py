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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import polars as pl

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


def render_table(frame: pl.DataFrame, title: str | None = None, width: int | None = None) -> str:
    """A readable text table (rich), with every row, ``width`` columns wide (default: the terminal's,
    200 when writing to a pipe or file).

    A table wider than that is shown expanded instead, one block of ``column  value`` lines per row
    (psql's ``\\x auto``): folded into narrow columns, a summary's 21 figures were unreadable.
    """
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    if width is None:
        width = shutil.get_terminal_size((200, 40)).columns if sys.stdout.isatty() else 200
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True)
    # Text, not str: rich would read "[bold]" or ":smile:" in the data as markup.
    cells = [
        [Text(visible("" if v is None else (",".join(v) if isinstance(v, list) else str(v)))) for v in row]
        for row in frame.iter_rows()
    ]
    table = Table(title=title, show_lines=False)
    for name in frame.columns:
        table.add_column(Text(visible(name)), overflow="fold")
    for row in cells:
        table.add_row(*row)
    # Measured without the width limit: its natural width, every cell on one line.
    if Measurement.get(console, console.options.update_width(10**6), table).maximum <= width or not cells:
        console.print(table)
        return buffer.getvalue()
    for number, row in enumerate(cells, 1):
        record = Table(
            title=f"{title} - row {number}" if title else f"row {number}", show_header=False, title_justify="left"
        )
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        for name, value in zip(frame.columns, row, strict=True):
            record.add_row(Text(visible(name)), value)
        console.print(record)
    return buffer.getvalue()


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


def encode(frame: pl.DataFrame, fmt: str, title: str | None = None) -> bytes:
    """The frame in format ``fmt`` as bytes."""
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
    if fmt == "table":
        return render_table(frame, title).encode()
    raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def emit(
    frame: pl.DataFrame,
    fmt: str,
    out: str | Path | None = None,
    title: str | None = None,
    stream: IO[bytes] | None = None,
) -> None:
    """Write ``frame`` as ``fmt`` to ``out`` (atomically) or to standard output."""
    if fmt == "parquet" and out is None and (stream or sys.stdout.buffer).isatty():
        refused = UsageError("parquet is binary data, not written to a terminal: give a file or another stream")
        raise refused.with_cli_hint("give --out FILE or redirect standard output")
    data = encode(frame, fmt, title)
    if out is not None:
        atomic_write(out, data)
    else:
        target = stream or sys.stdout.buffer
        target.write(data)
        target.flush()
