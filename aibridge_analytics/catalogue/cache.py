"""The render cache: a catalogue query's rendered text, kept between runs.

Every command renders the same few queries: parsing their files and generating each engine's
text with sqlglot costs a fresh process about half a second, more than a whole summary of a
small warehouse. What a render produces depends only on the query, the engine, the source's
schema (its probe), the relations and keys chosen, the tables read instead of Coder's, the
catalogue's SQL files, the renderer's code and sqlglot's version; it never depends on a value,
since values are bound by the driver. So the text is kept under a digest of all of these (a
`Statement`, its values left to bind), in memory for the process and as a small JSON file in
the user's cache directory, and a later render with the same inputs binds its values to it.
A change of any input is a new digest: an upgrade, an edited SQL file or another sqlglot
renders afresh, never reads an old text.

The directory is ``$AIBRIDGE_CACHE_DIR`` if set (empty: no cache at all), else
``$XDG_CACHE_HOME/aibridge-analytics`` or ``~/.cache/aibridge-analytics``. It is best-effort: a
directory that cannot be created or written, or that another user owns, is not used, and an
entry that cannot be read is rendered again; the command works the same, only slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aibridge_analytics.catalogue import loader
from aibridge_analytics.catalogue.rendered import Rendered, Statement

if TYPE_CHECKING:
    from aibridge_analytics.catalogue.relations import Probe

ENV = "AIBRIDGE_CACHE_DIR"
#: The layout of an entry; a change of it is a new digest too.
FORMAT = 1

_memo: dict[str, Statement] = {}


def directory() -> Path | None:
    """Where rendered statements are kept, or None when the cache is off (``AIBRIDGE_CACHE_DIR=``)."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return Path(chosen) / "render" if chosen else None
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(base) if base else Path.home() / ".cache"
    except RuntimeError:  # no home directory to speak of
        return None
    return root / "aibridge-analytics" / "render"


@lru_cache(maxsize=1)
def _code() -> str:
    """A digest of the code a render runs: this package's renderer and schema, and sqlglot."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in [*sorted(package.glob("*.py")), package.parent / "coder.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    spec = find_spec("sqlglot")
    if spec is not None and spec.origin is not None:
        version = Path(spec.origin).with_name("_version.py")
        digest.update(version.read_bytes() if version.exists() else spec.origin.encode())
    return digest.hexdigest()


def _key(
    name: str,
    dialect: str,
    probe: Probe | None,
    relations: Mapping[str, str] | None,
    keys: Sequence[str] | None,
    tables: Mapping[str, str] | None,
    bits: Mapping[str, int] | None = None,
) -> str:
    columns = None if probe is None else sorted((t, sorted(c.items())) for t, c in probe.columns.items())
    inputs = [
        FORMAT,
        _code(),
        loader.digest(),
        name,
        dialect,
        columns,
        sorted((relations or {}).items()),
        None if keys is None else list(keys),
        sorted((tables or {}).items()),
        sorted((bits or {}).items()),
    ]
    return hashlib.sha256(json.dumps(inputs, default=str).encode()).hexdigest()


def _usable(where: Path) -> bool:
    """Whether ``where`` exists (created if need be, private to the user) and is the user's own."""
    try:
        where.mkdir(parents=True, exist_ok=True, mode=0o700)
        return where.stat().st_uid == os.getuid()
    except OSError:
        return False


def _read(path: Path, name: str, dialect: str) -> Statement | None:
    """The entry at ``path`` if it is one of query ``name`` for ``dialect``, else None."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        spec = {p["name"]: loader.Param(**p) for p in entry["spec"]}
        found = Statement(entry["name"], entry["dialect"], entry["sql"], spec, tuple(entry["used"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    ours = (found.name, found.dialect) == (name, dialect) and isinstance(found.sql, str)
    return found if ours and set(found.used) <= set(spec) else None


def _write(path: Path, found: Statement) -> None:
    spec = [
        {"name": p.name, "kind": p.kind, "optional": p.optional, "default": p.default, "doc": p.doc}
        for p in found.spec.values()
        if isinstance(p, loader.Param)
    ]
    entry = {"name": found.name, "dialect": found.dialect, "sql": found.sql, "spec": spec, "used": list(found.used)}
    temporary: Path | None = None
    try:
        # Written whole beside its place, then renamed: a reader sees the old entry or the new one.
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False) as out:
            temporary = Path(out.name)
            json.dump(entry, out)
        os.replace(temporary, path)
    except OSError:  # a full disk, say: the next run renders again
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def render(
    name: str,
    dialect: str,
    params: Mapping[str, Any] | None = None,
    probe: Probe | None = None,
    relations: Mapping[str, str] | None = None,
    bind: bool = True,
    keys: Sequence[str] | None = None,
    tables: Mapping[str, str] | None = None,
    bits: Mapping[str, int] | None = None,
) -> Rendered:
    """Render catalogue query ``name`` for ``dialect`` with its relations and bound parameters.

    ``probe`` describes the source's schema (default: the newest); ``relations`` binds a relation
    name to a catalogue query, for queries that read a relation chosen by the caller (such as the
    provider-filter mode). ``bind=False`` renders the text alone (for golden files), leaving
    required parameters unbound. ``keys`` selects which of the query's declared group keys it
    groups by (default: all of them). ``tables`` reads a base relation from another table of the
    same columns than Coder's (base relation -> table; a warehouse's subset of changed rows).
    ``bits`` (column -> width; DuckDB only) counts the distinct values of a column numbered
    densely from 1 as bits set in a bitstring of that width (`rendering._counted_in_bits`), and
    orders a percentile by a column whose values fit an integer of that width as that integer
    (`rendering._ordered_narrow`).

    The text comes from the render cache where the same inputs were rendered before (see the
    module's docstring); the values are bound afresh every time.
    """
    where = directory()
    key = None if where is None else _key(name, dialect, probe, relations, keys, tables, bits)
    found = None if key is None else _memo.get(key)
    if found is None:
        # Checked before reading: what another user could have written is never run.
        path = where / f"{key}.json" if where is not None and _usable(where) else None
        found = None if path is None else _read(path, name, dialect)
        if found is None:
            from aibridge_analytics.catalogue import rendering

            found = rendering.statement(name, dialect, probe, relations, keys, tables, bits)
            if path is not None:
                _write(path, found)
        if key is not None:
            _memo[key] = found
    return found.bind(params, bind=bind)
