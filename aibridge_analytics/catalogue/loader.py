"""Reading the catalogue: each file under ``sql/`` parsed, linted and checked once per process."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from aibridge_analytics.catalogue import values
from aibridge_analytics.errors import SqlError, first_line

if TYPE_CHECKING:
    from sqlglot import exp

DIALECTS = ("duckdb", "postgres", "spark")

_PARAM_LINE = re.compile(r"^:(\w+)\s+(\w+)(\?)?(?:\s*=\s*(\S+))?\s*(.*)$")


def sql_dir() -> Path:
    """The directory holding the catalogue: inside the wheel, or the checkout's top-level ``sql/``.

    A wheel carries it as ``aibridge_analytics/_sql``; an editable install or a checkout reads
    the top-level ``sql/`` beside the package.
    """
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_sql", here.parent / "sql"):
        if candidate.is_dir():
            return candidate
    raise SqlError(f"the SQL catalogue is missing: neither {here / '_sql'} nor {here.parent / 'sql'} exists")


@dataclass(frozen=True)
class Param:
    """A declared query parameter."""

    name: str
    kind: str
    optional: bool
    default: str | None
    doc: str


@dataclass(frozen=True)
class Header:
    """What a catalogue file's comment header declares (read without parsing its SQL)."""

    name: str
    path: Path
    doc: str
    params: Mapping[str, Param]
    relation: str | None
    keys: tuple[str, ...] = ()
    #: Columns that number a key (``-- numbers: initiator_key = initiator_id``): one number per
    #: value of the key and back (NULL where it is NULL), so a distinct count of the number is one
    #: per group of the key.
    numbers: Mapping[str, str] = field(default_factory=dict)
    #: The engines it runs on: every dialect, unless the header says ``-- engine: duckdb`` (the
    #: warehouse's own statements, which only the local DuckDB file ever runs).
    dialects: tuple[str, ...] = DIALECTS


@dataclass(frozen=True)
class Query(Header):
    """One catalogue file, parsed, linted and checked against its header."""

    tree: exp.Expr = field(default=None, repr=False, compare=False)  # type: ignore[assignment]


def _read_header(name: str, path: Path, text: str) -> Header:
    doc: list[str] = []
    params: dict[str, Param] = {}
    relation = None
    keys: tuple[str, ...] = ()
    numbers: dict[str, str] = {}
    dialects: tuple[str, ...] = DIALECTS
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("--"):
            break
        body = stripped[2:].strip()
        if body.startswith("relation:"):
            relation = body.split(":", 1)[1].strip()
            continue
        if body.startswith("engine:"):
            dialects = tuple(d.strip() for d in body.split(":", 1)[1].split(",") if d.strip())
            unknown = [d for d in dialects if d not in DIALECTS]
            if unknown or not dialects:
                named = ", ".join(unknown) or "(none)"
                raise SqlError(f"{path.name}: engine {named} is not one of {', '.join(DIALECTS)}")
            continue
        if body.startswith("keys:"):
            keys = tuple(k.strip() for k in body.split(":", 1)[1].split(",") if k.strip())
            continue
        if body.startswith("numbers:"):
            for pair in body.split(":", 1)[1].split(","):
                number, equals, key = (part.strip() for part in pair.partition("="))
                if not (number and equals and key):
                    raise SqlError(f"{path.name}: numbers: write each as 'number_column = key_column', not {pair!r}")
                numbers[number] = key
            continue
        match = _PARAM_LINE.match(body)
        if match:
            pname, kind, opt, default, pdoc = match.groups()
            if kind not in values.TYPES:
                raise SqlError(f"{path.name}: parameter :{pname} has unknown type {kind!r}")
            params[pname] = Param(pname, kind, bool(opt), default, pdoc.strip())
        else:
            doc.append(body)
    return Header(name, path, " ".join(doc), params, relation, keys, numbers, dialects)


def _parse_file(name: str, path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    header = _read_header(name, path, text)
    # sqlglot is imported here, not at the top: `headers` (what `sql list` shows) needs no parser.
    import sqlglot
    from sqlglot import exp

    from aibridge_analytics.catalogue.portability import lint
    from aibridge_analytics.catalogue.relations import SOURCE_DIALECT

    try:
        statements = [s for s in sqlglot.parse(text, read=SOURCE_DIALECT) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise SqlError(f"{path}: does not parse: {first_line(exc)}") from None
    if len(statements) != 1:
        raise SqlError(f"{path}: holds {len(statements)} statements; one per file")
    tree = statements[0]
    # The lint guards the transpilation to the other engines: a file that only DuckDB runs (``--
    # engine: duckdb``) may use DuckDB's own functions, such as hash() for the scale generator.
    problems = lint(tree, header.dialects)
    used = {p.name for p in tree.find_all(exp.Placeholder)}
    problems += [f"placeholder :{p} is not declared in the header" for p in sorted(used - set(header.params))]
    problems += [f"declared parameter :{p} is never used" for p in sorted(set(header.params) - used)]
    problems += [f"numbers: {key} is not one of its keys" for key in header.numbers.values() if key not in header.keys]
    if problems:
        raise SqlError(f"{path}: " + "; ".join(problems))
    return Query(**vars(header), tree=tree)


@lru_cache(maxsize=1)
def _files() -> dict[str, Path]:
    """Each catalogue file by name: its path under ``sql/`` without ``.sql``."""
    root = sql_dir()
    return {path.relative_to(root).with_suffix("").as_posix(): path for path in sorted(root.rglob("*.sql"))}


@lru_cache(maxsize=1)
def digest() -> str:
    """A digest of every catalogue file's name and text (what the render cache keys on)."""
    found = hashlib.sha256()
    for name, path in _files().items():
        found.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return found.hexdigest()


@cache
def fingerprint(under: str) -> str:
    """A digest of what the catalogue files under ``under`` (a prefix of their names, such as
    ``warehouse/facts/``) are made of: their name and text, those of every file defining a
    relation they name, and of theirs in turn, and the code that renders them.

    What was made by that SQL (a warehouse's stored facts) records it, so that an upgrade that
    changes any of it is noticed without parsing anything, while the rest of the catalogue (a
    report's query, say) can change without making it stale. A relation counts as named wherever
    its name stands as a word, a comment included: that errs toward rebuilding, never toward
    reading something stale.
    """
    files, defined = _files(), relations()
    named = re.compile(r"\b(" + "|".join(map(re.escape, sorted(defined, key=len, reverse=True))) + r")\b")
    todo = [name for name in files if name.startswith(under)]
    if not todo:
        raise SqlError(f"no catalogue file is named {under}...")
    made_of: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in made_of:
            made_of.add(name)
            todo.extend(defined[r] for r in set(named.findall(files[name].read_text(encoding="utf-8"))))
    digest = hashlib.sha256()
    for name in sorted(made_of):
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    # The code, read as files: importing the renderer would import sqlglot, which a command that
    # finds its statements in the render cache never needs.
    package = Path(__file__).resolve().parent
    for code in (package.parent / "coder.py", package / "relations.py", package / "rendering.py"):
        digest.update(code.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def headers() -> dict[str, Header]:
    """Every catalogue file's header by name, its SQL left unparsed: what ``sql list`` shows, at
    a fraction of the cost of `catalogue`."""
    return {name: _read_header(name, path, path.read_text(encoding="utf-8")) for name, path in _files().items()}


@lru_cache(maxsize=1)
def relations() -> dict[str, str]:
    """The catalogue's relations: each relation's name -> the name of the file defining it (from
    the headers, no SQL parsed); a name defined twice, or shadowing a base relation, is an error."""
    from aibridge_analytics.catalogue.relations import BASE_RELATIONS

    defined = [(h.relation, h.name) for h in headers().values() if h.relation]
    names = [relation for relation, _ in defined]
    clash = {r for r in names if names.count(r) > 1 or r in BASE_RELATIONS}
    if clash:
        raise SqlError(f"relation names defined twice: {sorted(clash)}")
    return dict(defined)


@cache
def _parsed(name: str) -> Query:
    """File ``name`` parsed, linted and checked, once per process: a command parses only the
    files it runs and the relations they read, not the whole catalogue."""
    return _parse_file(name, _files()[name])


def catalogue() -> dict[str, Query]:
    """Every query of the catalogue by name (its path under ``sql/`` without ``.sql``), all parsed,
    and the checks that need them all (the tests run it; a command parses only what it runs)."""
    from aibridge_analytics.catalogue.portability import shared_cte_names

    relations()
    queries = {name: _parsed(name) for name in headers()}
    shared = shared_cte_names({name: q.tree for name, q in queries.items() if "spark" in q.dialects})
    if shared:
        raise SqlError(f"CTE names defined by several files that Spark runs (give each its own): {'; '.join(shared)}")
    return queries


def get(name: str) -> Query:
    """The catalogue query ``name``, or a SqlError listing what exists."""
    if name not in headers():
        raise SqlError(f"unknown query {name!r}: the catalogue has no {name}.sql").with_cli_hint(
            "`aibridge-analytics sql list` shows them"
        )
    return _parsed(name)
