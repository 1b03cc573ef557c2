"""Writing frames for people and programs: table, JSON, CSV and Parquet.

JSON is the stable machine format: a list of objects keyed by column name, timestamps as ISO 8601
in UTC, lists as JSON arrays. Writes to a file go through a temporary file and a rename, so a
killed run never leaves half an output behind.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import polars as pl

from .errors import UsageError

FORMATS = ("table", "json", "csv", "parquet")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def to_json(frame: pl.DataFrame) -> str:
    """The frame as a JSON list of objects (stable, machine-readable)."""
    return json.dumps([_jsonable(row) for row in frame.iter_rows(named=True)], indent=2, ensure_ascii=False)


def _flat_for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    lists = [n for n, t in frame.schema.items() if isinstance(t, pl.List)]
    return frame.with_columns(pl.col(n).list.join(",") for n in lists) if lists else frame


def render_table(frame: pl.DataFrame, title: str | None = None, width: int | None = None) -> str:
    """A readable text table (rich), with every row, ``width`` columns wide (default: the terminal's,
    200 when writing to a pipe or file).

    A table wider than that is shown expanded instead, one block of ``column  value`` lines per row
    (psql's ``\\x auto``): folded into narrow columns, a summary's 21 figures were unreadable.
    """
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table

    if width is None:
        width = shutil.get_terminal_size((200, 40)).columns if sys.stdout.isatty() else 200
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True)
    cells = [["" if v is None else (",".join(v) if isinstance(v, list) else str(v)) for v in row] for row in frame.iter_rows()]
    table = Table(title=title, show_lines=False)
    for name in frame.columns:
        table.add_column(name, overflow="fold")
    for row in cells:
        table.add_row(*row)
    # Measured without the width limit: its natural width, every cell on one line.
    if Measurement.get(console, console.options.update_width(10**6), table).maximum <= width or not cells:
        console.print(table)
        return buffer.getvalue()
    for number, row in enumerate(cells, 1):
        record = Table(title=f"{title} - row {number}" if title else f"row {number}", show_header=False,
                       title_justify="left")
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        for name, value in zip(frame.columns, row):
            record.add_row(name, value)
        console.print(record)
    return buffer.getvalue()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def encode(frame: pl.DataFrame, fmt: str, title: str | None = None) -> bytes:
    """The frame in format ``fmt`` as bytes."""
    if fmt == "json":
        return (to_json(frame) + "\n").encode()
    if fmt == "csv":
        return _flat_for_csv(frame).write_csv().encode()
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    if fmt == "table":
        return render_table(frame, title).encode()
    raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def emit(frame: pl.DataFrame, fmt: str, out: str | Path | None = None, title: str | None = None, stream: IO[bytes] | None = None) -> None:
    """Write ``frame`` as ``fmt`` to ``out`` (atomically) or to standard output."""
    if fmt == "parquet" and out is None and (stream or sys.stdout.buffer).isatty():
        raise UsageError("--format parquet writes binary data: give --out FILE or redirect standard output")
    data = encode(frame, fmt, title)
    if out is not None:
        atomic_write(Path(out), data)
    else:
        target = stream or sys.stdout.buffer
        target.write(data)
        target.flush()
