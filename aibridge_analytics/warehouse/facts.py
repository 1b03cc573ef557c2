"""The facts a warehouse stores: one row per interception, kept exact by sync, read by every figure.

The ``facts`` relation (``sql/facts/rows.sql``) holds, per interception, its attribution, the keys
a summary groups by, its duration and its child rows' totals. On PostgreSQL, Parquet or an export
every query computes it inline; a warehouse stores it in ``aibridge_facts``
(``sql/warehouse/facts/``), made by the same SQL, so the stored and the inline figures cannot drift.

Stored facts are fresh when three things hold, which `status` checks on every open:

- they were made by the facts SQL of this version for this warehouse's schema (a digest of the
  rendered build statement, recorded with them);
- the providers are those they were made with (a digest of the providers the attribution reads:
  a provider added, renamed or soft-deleted can change any row's attribution);
- no interception has changed since: sync records, in the transaction that writes rows, the
  interceptions whose rows it wrote (``aibridge_facts_changed``).

`refresh` brings them up to date in one transaction: the changed interceptions' facts are
recomputed, or everything is rebuilt when the definition or the providers changed, or when most
rows changed. Sync refreshes at the end of each run; a command that finds them stale refreshes them
when it can write the warehouse, and otherwise reads the facts inline and says so
(:func:`aibridge_analytics.sources.kinds.connect`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from aibridge_analytics import catalogue
from aibridge_analytics.catalogue import Probe
from aibridge_analytics.errors import SourceError, first_line
from aibridge_analytics.outputs.progress import StepFn, steps
from aibridge_analytics.sources.connection import Connection, DuckDBConnection
from aibridge_analytics.warehouse import store
from aibridge_analytics.warehouse.store import Warehouse

# The statements built with sqlglot (`statements`) are imported where facts are made: a command
# that finds them fresh, its queries in the render cache, imports no parser.

TABLE = "aibridge_facts"
TOOL_TABLE = "aibridge_tool_facts"
#: The tables of stored facts, made and refreshed together: the facts, and per interception and
#: tool its calls (``sql/facts/tool_rows.sql``), which the report's tools add up.
TABLES = (TABLE, TOOL_TABLE)
#: The relations bound to what a warehouse stores when its facts are fresh, and the catalogue
#: query each is bound to: the facts, the tool facts and the backfill verdicts stored beside them.
STORED_RELATIONS = {
    "facts": "facts/stored",
    "tool_facts": "facts/tool_stored",
    "backfill_verdicts": "verification/stored",
}
#: What computes the facts to store, in order, with the relations each binds: the facts and the
#: verdicts both read the attribution, resolved once into a temporary table first.
STAGES: tuple[tuple[str, Mapping[str, str]], ...] = (
    ("warehouse/facts/stage_attribution", {}),
    ("warehouse/facts/stage", {"attribution": "warehouse/facts/staged_attribution"}),
)
#: What stores the tool facts: all of them (a full build), and those of the changed interceptions
#: (a refresh); like `STAGES`, they read the changed rows in place of the base tables.
TOOL_BUILD = "warehouse/facts/build_tools"
TOOL_INSERT = "warehouse/facts/insert_changed_tools"
STATE_KEY = "facts.state"
#: While a build in chunks is under way: the state it builds for, where its next chunk starts and
#: the interceptions a chunk may hold (less than `build_chunk` after a chunk ran out of memory),
#: written with each chunk, so that a build stopped half-way goes on from there (`_build`).
BUILDING_KEY = "facts.building"
#: Past this share of changed interceptions a full build is cheaper than recomputing them.
REBUILD_SHARE = 0.25
#: The interceptions a chunk of a full build holds per GB of DuckDB's memory limit (`build_chunk`):
#: 1.25 million at the default 2 GB. What one step holds in temporary tables, and spills to disk,
#: grows with its interceptions: at ten million (`solo`, 2 GB) one step spilled 18 GB, chunks of
#: 5M ran out of memory, and chunks of 1.25M built the same facts faster, spilling a ninth of it.
#: At a hundred million, 8 GB held chunks of 5M.
CHUNK_PER_GB = 625_000
#: The largest chunk, however much memory: what one step spills stays that of ten million.
BUILD_CHUNK = 10_000_000
#: How many times one build halves a chunk that ran out of DuckDB's memory before it stops with
#: the error (`_build`): chunks of a sixteenth of `build_chunk` failed by then, and past it the
#: chunks' fixed costs would make the build take many times as long; more memory is the answer.
HALVINGS = 4
DAY = timedelta(days=1)

#: A connection of any kind (a warehouse, or a lake on DuckDB or Spark).
C = TypeVar("C", bound=Connection)


@dataclass(frozen=True)
class Status:
    """Whether the stored facts can be read (``fresh``), and if not, why (one phrase)."""

    fresh: bool
    reason: str = ""


def definition() -> str:
    """A digest of what makes the stored facts: the catalogue's ``warehouse/facts/`` statements and
    every relation they read (`catalogue.fingerprint`), and the statements built around them
    (`statements`). An upgrade that changes other SQL leaves the facts fresh."""
    code = Path(__file__).with_name("statements.py").read_bytes()
    return hashlib.sha256(catalogue.fingerprint("warehouse/facts/").encode() + code).hexdigest()


def state(probe: Probe, providers_digest: str) -> str:
    """What the facts depend on besides their rows, as one digest: their `definition`, the
    warehouse's schema as its queries see it, and the providers."""
    schema = sorted((table, sorted(columns.items())) for table, columns in probe.columns.items())
    text = f"{definition()}\n{schema!r}\n{providers_digest}"
    return hashlib.sha256(text.encode()).hexdigest()


def status(con: Connection) -> Status:
    """Whether the stored facts of the warehouse ``con`` reads are fresh (see the module's docstring)."""
    if not all(_has(con, table) for table in TABLES):
        return Status(False, "the warehouse has no stored facts yet")
    current = state(con.probe, _value(con, "warehouse/facts/providers_digest"))
    made = con.meta().get(STATE_KEY)
    if made is None:
        after = _resume_point(con.meta().get(BUILDING_KEY), current)
        goes_on = f"goes on from {after:%Y-%m-%d}" if after is not None else "starts again"
        return Status(
            False, f"the stored facts are unfinished (a build in chunks stopped half-way; the next build {goes_on})"
        )
    if made != current:
        return Status(False, "the stored facts were made by another definition or with other providers")
    changed = int(_value(con, "warehouse/facts/changed")) if _has(con, store.FACTS_CHANGED) else 0
    if changed:
        return Status(False, f"{changed:,} interception(s) changed since the facts were stored")
    return Status(True)


def _has(con: Connection, table: str) -> bool:
    return bool(_value(con, "schema/has_table", {"table": table}))


def _value(con: Connection, name: str, params: Mapping[str, Any] | None = None) -> Any:
    frame = con.query(name, params)
    return frame.item(0, 0) if frame.height else None


def refresh(wh: Warehouse, probe: Probe, *, rebuild: bool = False, progress: StepFn | None = None) -> str:
    """Bring the stored facts up to date, in one transaction (a build in chunks: one per chunk,
    see `_build`; the caller holds none); returns what
    was done, for logs. ``rebuild`` builds them whole even when they are fresh. DuckDB's memory is
    held to `store.memory_limit`, as on every connection of this package. ``progress`` hears of what
    is under way: a recomputation, a build, or each chunk of a build in chunks (`outputs.progress.steps`)."""
    from aibridge_analytics.warehouse import statements

    ran_out = ""
    with wh.transaction():
        current = state(probe, wh.value("warehouse/facts/providers_digest", probe=probe))
        stored = not rebuild and wh.value("schema/has_table", {"table": TABLE})
        changed = _changed(wh)
        if stored and wh.value("warehouse/meta/get", {"key": STATE_KEY}) == current:
            if not changed:
                return "facts up to date"
            total = int(wh.built_value("count the facts", statements.count(TABLE)) or 0)
            if changed <= REBUILD_SHARE * max(total, 1):
                if progress is not None:
                    progress(0, 1, f"recomputing {changed:,} changed interception(s)")
                try:
                    _recompute(wh, probe)
                except duckdb.OutOfMemoryException:
                    # More changed rows than fit at once: a build, which goes in halves as needed.
                    wh.rollback_and_begin()
                    ran_out = f"recomputing the facts of {changed:,} changed interception(s) ran out of memory; "
                else:
                    return f"facts of {changed:,} changed interception(s) recomputed"
        after = _stopped_at(wh, current) if stored else None
        built = _build(wh, probe, current, after, progress)
        wh.run("warehouse/meta/forget", {"pattern": BUILDING_KEY})
        wh.run("warehouse/meta/set", {"key": STATE_KEY, "value": current})
        rows = int(wh.built_value("count the facts", statements.count(TABLE)) or 0)
        done = f"{ran_out}facts of {rows:,} interception(s) built"
        if built is None:
            return done
        if after is not None:
            return f"{done}: a stopped build went on from {after:%Y-%m-%d} in {built.done} chunk(s) {built.how()}"
        return f"{done} in {built.done} chunk{'s' if built.done != 1 else ''} {built.how()}"


def inspect(path: Path | str) -> Status:
    """`status` of the warehouse file ``path``, opened read-only and left as it is (no refresh)."""
    with DuckDBConnection(store.open_warehouse(path, read_only=True), label=str(path)) as con:
        return status(con)


def build(path: Path | str, *, rebuild: bool = False, progress: StepFn | None = None) -> str:
    """Bring the stored facts of the warehouse file ``path`` up to date (``rebuild``: whole);
    returns what was done. The file must be writable and not open in another process. A failure
    (a full disk) is one WarehouseError line; the facts a build in chunks leaves are never read
    as fresh (see `_build`)."""
    con = store.open_warehouse(path, read_only=False)
    wh = Warehouse(con)
    failure = (
        f"building the facts of {str(path)!r} failed (rolled back; a build in chunks keeps the "
        "chunks it finished, never read until it is done, and the next build goes on from them)"
    )
    with store.writes(wh, failure):
        return refresh(wh, DuckDBConnection(con, label=str(path)).probe, rebuild=rebuild, progress=progress)


def refresh_open(con: duckdb.DuckDBPyConnection) -> str:
    """`refresh` on a warehouse the caller has open for writing (a sync, the demo's build)."""
    return refresh(Warehouse(con), DuckDBConnection(con).probe)


def build_chunk() -> int:
    """How many interceptions a full build makes in one step, and about how many a chunk of a build
    in chunks holds (`_build`): `CHUNK_PER_GB` per GB of `store.memory_limit`, at most `BUILD_CHUNK`."""
    return max(1, min(BUILD_CHUNK, CHUNK_PER_GB * store.memory_bytes() // 10**9))


def _build(
    wh: Warehouse, probe: Probe, current: str, after: datetime | None = None, progress: StepFn | None = None
) -> _Chunks | None:
    """Build every fact anew (inside the caller's transaction) and forget the changed interceptions;
    returns the chunks it was built in (``None``: in one step). ``current``
    is the state the facts are built for (`state`); ``after``: go on with a build in chunks that
    stopped there (`_stopped_at`).

    Up to `build_chunk` interceptions in one step. Past it, in chunks of whole days (UTC) of about
    that many, in start order: an empty facts table first, then each chunk's interceptions recorded
    as changed and recomputed as a refresh recomputes them (`_recompute`). A refresh gives the facts a
    build would (the tests hold it to that). Each chunk is committed, as DuckDB frees a dropped
    temporary table only when its transaction ends, so the temporary files stay those of one chunk;
    the facts' state is forgotten first and recorded by the caller after the last chunk, so
    that facts a failure leaves half-built are never read as fresh. Each chunk records where the
    next one starts (`BUILDING_KEY`): a build stopped half-way goes on from there, its first chunk
    also recomputing what a sync changed in the meantime.

    What a chunk needs in memory grows with the warehouse as well as with the chunk (a hundred
    million interceptions ran out at 2 GB in chunks that thirty million built in), so a chunk (or
    the one step) that runs out of DuckDB's memory is rolled back and built again in halves, the
    chunks after it cut to that size too (`_Chunks`), up to `HALVINGS` times in one build.
    """
    from aibridge_analytics.warehouse import statements

    limit, halved = build_chunk(), 0
    if after is None:
        total = int(wh.built_value("count the interceptions", statements.count("aibridge_interceptions")) or 0)
        if total <= limit:
            if progress is not None:
                progress(0, 1, f"building the facts of {total:,} interception(s)")
            try:
                _store(wh, probe, {}, whole=True)
            except duckdb.OutOfMemoryException:
                if total < 2:
                    raise
                wh.rollback_and_begin()
                limit, halved = total // 2, 1
            else:
                if wh.value("schema/has_table", {"table": store.FACTS_CHANGED}):
                    wh.run("warehouse/facts/clear_changed")
                return None
        for key in (STATE_KEY, BUILDING_KEY):
            wh.run("warehouse/meta/forget", {"pattern": key})
        wh.run("warehouse/facts/create_changed")
        wh.run("warehouse/facts/clear_changed")
    else:  # chunks of the size the stopped build had come to (those that ran out would again), or
        # smaller if DuckDB now has less memory
        limit = min(_resume_limit(wh.value("warehouse/meta/get", {"key": BUILDING_KEY})) or limit, limit)
    chunks = _Chunks(wh.run("warehouse/facts/days", probe=probe).fetchall(), after, limit, halved)
    if after is None:
        _recompute(wh, probe, whole=True)  # nothing recorded as changed yet: no facts, no keys
    while chunks.left:
        since, until = chunks.left[0]
        if progress is not None:
            where = "the first days" if since is None else f"from {since:%Y-%m-%d}"
            if since is not None and since.time() != time(0):
                where += f" {since:%H:%M:%S}"
            again = "; the step before it ran out of memory: built in halves" if chunks.retrying else ""
            progress(
                chunks.done,
                chunks.done + len(chunks.left),
                f"chunk {chunks.done + 1} of {chunks.done + len(chunks.left)} ({where}{again})",
            )
        wh.commit_and_begin()
        try:
            wh.run("warehouse/facts/mark_started", {"since": since, "until": until}, probe=probe)
            _recompute(wh, probe)
        except duckdb.OutOfMemoryException:
            if chunks.halved == HALVINGS or not chunks.can_halve():
                raise
            wh.rollback_and_begin()
            chunks.halve()
            continue
        chunks.finished()
        if until is not None:
            building = f"{current} {until.isoformat()} {chunks.limit}"
            wh.run("warehouse/meta/set", {"key": BUILDING_KEY, "value": building})
    return chunks


def _day_end(start: datetime) -> datetime:
    """The end of the day (UTC) that ``start`` is in: where a day's entry in `_Chunks` ends, which
    starts at midnight, or at the point a stopped build went on from."""
    return datetime.combine(start.date(), time(0), start.tzinfo) + DAY


class _Chunks:
    """The chunks of a build in chunks (`_build`), as ``[since, until)`` ranges of start times in
    order: those left, the first of them under way, and how many are done.

    ``days`` are the interceptions per day (UTC; ``None``: without a start, built with the first
    chunk), ``after`` where the build starts (``None``: the beginning), ``limit`` the interceptions
    a chunk may hold. Chunks are whole days of up to ``limit`` interceptions (a day with more is a
    chunk of its own); `halve` cuts the chunk under way in two (a single day or less: by time) and
    the chunks after it to the new, halved size.
    """

    def __init__(
        self, days: list[tuple[datetime | None, int]], after: datetime | None, limit: int, halved: int = 0
    ) -> None:
        self.days = [(day, count) for day, count in days if after is None or (day is not None and day >= after)]
        if after is not None:  # the rest of a day that a stopped build cut in two, if it did
            self.days[:0] = [
                (after, count * (_day_end(after) - after) // DAY)
                for day, count in days
                if day is not None and day < after < day + DAY
            ]
        self.limit = limit
        self.left = self._cut(after, None)
        self.done = 0
        self.halved = halved
        #: Whether the chunk under way is one half of a step that ran out of memory.
        self.retrying = bool(halved)
        self.split_days = False

    def _cut(self, since: datetime | None, until: datetime | None) -> list[tuple[datetime | None, datetime | None]]:
        """``[since, until)`` as chunks of whole days of up to `limit` interceptions."""
        bounds: list[datetime | None] = [since]
        size = 0
        for day, count in self.days:
            if day is None or (since is not None and day < since) or (until is not None and day >= until):
                continue
            if size and size + count > self.limit:
                bounds.append(day)
                size = 0
            size += count
        return list(zip(bounds, [*bounds[1:], until], strict=True))

    def _size(self, since: datetime | None, until: datetime | None) -> int:
        """About how many interceptions ``[since, until)`` holds: a part of a day its share of it."""
        size = 0
        for day, count in self.days:
            if day is None:
                size += count if since is None else 0
                continue
            start = day if since is None else max(day, since)
            end = _day_end(day) if until is None else min(_day_end(day), until)
            size += count * max(end - start, timedelta(0)) // (_day_end(day) - day)
        return size

    def can_halve(self) -> bool:
        """Whether the chunk under way can be cut in two: it holds a day (interceptions without
        a start are never cut from the first chunk)."""
        since, until = self.left[0]
        return any(day is not None and self._overlaps(day, since, until) for day, _ in self.days)

    @staticmethod
    def _overlaps(day: datetime, since: datetime | None, until: datetime | None) -> bool:
        return (since is None or _day_end(day) > since) and (until is None or day < until)

    def halve(self) -> None:
        """The chunk under way ran out of memory: cut it, and those after it, to half its size."""
        since, until = self.left[0]
        self.halved += 1
        self.retrying = True
        self.limit = max(1, min(self.limit, self._size(since, until)) // 2)
        if len(self._cut(since, until)) > 1:
            # Whole days: all that is left cut anew as one range from here (cut chunk by chunk, each
            # left a remnant of a day or two, a chunk of its own with a whole chunk's fixed costs).
            self.left = self._cut(since, None)
            return
        # One day, or part of one: its halves by time, and each chunk after it cut on its own (one
        # may start inside a day, whose part before it the cut cannot count).
        day = next(day for day, _ in self.days if day is not None and self._overlaps(day, since, until))
        start = day if since is None else max(day, since)
        end = _day_end(day)
        middle = start + ((end if until is None else min(end, until)) - start) / 2
        self.split_days = True
        rest = [piece for since, until in self.left[1:] for piece in self._cut(since, until)]
        self.left = [(since, middle), (middle, until), *rest]

    def finished(self) -> None:
        """The chunk under way is built and committed."""
        self.left.pop(0)
        self.done += 1
        self.retrying = False

    def how(self) -> str:
        """What the chunks were, for `refresh`'s message."""
        said = "of whole days" if not self.split_days else "of whole days and parts of days"
        if self.halved:
            said += f" ({self.halved} time(s) a chunk ran out of memory and was built again in halves)"
        return said


def _stopped_at(wh: Warehouse, current: str) -> datetime | None:
    """Where the next chunk of a build stopped half-way starts, if it was building for ``current``
    (the same definition, schema and providers: otherwise it starts again)."""
    if wh.value("warehouse/meta/get", {"key": STATE_KEY}) is not None:
        return None
    return _resume_point(wh.value("warehouse/meta/get", {"key": BUILDING_KEY}), current)


def _resume_point(building: str | None, current: str) -> datetime | None:
    """The start of the next chunk that the recorded ``building`` value names, if it was recorded
    by a build for the state ``current``. A value that is not one (edited by hand, damaged)
    names none: the build starts again, rather than every open of the warehouse failing."""
    state_of, until, _ = _building_record(building)
    if state_of != current or not until:
        return None
    try:
        after = datetime.fromisoformat(until)
    except ValueError:
        return None
    return after if after.tzinfo is not None else None


def _resume_limit(building: str | None) -> int | None:
    """The interceptions a chunk may hold that the recorded ``building`` value names, if it names
    a positive number (a record written before it was kept names none)."""
    limit = _building_record(building)[2]
    return int(limit) if limit.isdigit() and int(limit) > 0 else None


def _building_record(building: str | None) -> tuple[str, str, str]:
    """The recorded ``building`` value's three fields (state, next chunk's start, chunk size) as
    text, ``""`` for those it lacks."""
    state_of, _, rest = str(building or "").partition(" ")
    until, _, limit = rest.partition(" ")
    return state_of, until, limit


def _recompute(wh: Warehouse, probe: Probe, *, whole: bool = False) -> None:
    """Replace the stored facts of the changed interceptions (inside the caller's transaction);
    ``whole``: replace every stored fact by theirs.

    The facts relation reads copies of just the changed interceptions and their child rows: a
    row's attribution depends on the providers and on the row alone, so the subset gives the
    facts the whole would, at the cost of the rows that changed.
    """
    from aibridge_analytics.warehouse import statements

    read = _columns_read(probe)
    tables: dict[str, str] = {}
    for relation, table in catalogue.BASE_RELATIONS.items():
        if table in statements.FACT_INPUTS:
            name, create = statements.changed_subset(table, probe, read.get(relation, set()))
            wh.execute_built(f"changed rows of {table}", create)
            tables[relation] = name
    _store(wh, probe, tables, whole=whole)
    wh.run("warehouse/facts/clear_changed")
    for name in tables.values():
        wh.execute_built("drop the changed rows", statements.drop(name))


def _columns_read(probe: Probe) -> dict[str, set[str] | None]:
    """The columns of each base relation's table that computing the facts (`STAGES`) and the tool
    facts (`TOOL_INSERT`) reads."""
    read: dict[str, set[str] | None] = {}
    for name, relations in [*STAGES, (TOOL_INSERT, {})]:
        sql = catalogue.render(name, "duckdb", None, probe, relations, bind=False).sql
        for relation, columns in catalogue.base_columns(sql).items():
            before = read.get(relation, set())
            read[relation] = None if columns is None or before is None else before | columns
    return read


def _store(wh: Warehouse, probe: Probe, tables: Mapping[str, str], *, whole: bool) -> None:
    """Compute the facts (from ``tables`` in place of the base relations they name), number their
    session, thread and initiator keys, and store them: all of them (``whole``), or in place of the changed
    interceptions' (inside the caller's transaction). Then mark where each session and thread
    lies (``sql/warehouse/facts/spans.sql``): all of them, or those the changed rows left or joined.
    The tool facts are stored first, the same way, before the staged facts fill DuckDB's memory."""
    from aibridge_analytics.warehouse import statements

    if whole:
        wh.run(TOOL_BUILD, probe=probe, tables=tables)
    else:
        wh.run("warehouse/facts/forget_changed_tools")
        wh.run(TOOL_INSERT, probe=probe, tables=tables)
    for name, relations in STAGES:
        wh.run(name, probe=probe, tables=tables, relations=relations)
    wh.run("warehouse/facts/drop_attribution")
    wh.run("warehouse/facts/create_keys")
    if whole:
        wh.run("warehouse/facts/clear_keys")
    wh.run("warehouse/facts/stage_key_values")
    wh.run("warehouse/facts/stage_keys")
    wh.run("warehouse/facts/drop_key_values")
    wh.run("warehouse/facts/keys")
    wh.run("warehouse/facts/create_span_keys")
    if whole:
        wh.run("warehouse/facts/build")
    else:
        # A changed row may leave one session or thread and join another: both spans change.
        wh.run("warehouse/facts/mark_spans")
        wh.run("warehouse/facts/forget_changed")
        wh.run("warehouse/facts/insert_changed")
        wh.run("warehouse/facts/mark_spans")
    wh.run("warehouse/facts/drop_stage")
    wh.run("warehouse/facts/drop_stage_keys")
    marked = (
        {}
        if whole
        else {"span_rows": "warehouse/facts/marked_span_rows", "span_facts": "warehouse/facts/marked_span_facts"}
    )
    wh.run("warehouse/facts/stage_spans", relations=marked)
    for kind in statements.SPAN_KINDS:
        wh.execute_built(f"store the {kind} spans", statements.store_spans(TABLE, kind), {"kind": kind})
    wh.run("warehouse/facts/drop_spans")
    wh.run("warehouse/facts/drop_span_keys")


def _changed(wh: Warehouse) -> int:
    if not wh.value("schema/has_table", {"table": store.FACTS_CHANGED}):
        return 0
    return int(wh.value("warehouse/facts/changed") or 0)


def open_warehouse_source(path: Path, label: str) -> DuckDBConnection:
    """A warehouse opened read-only for querying, its ``facts`` relation bound to the stored facts
    when they are fresh.

    Stale or missing facts are refreshed first when the file can be written (another process
    holding it, or a read-only file, cannot), the step under way shown on a terminal; otherwise
    the figures read the facts inline and the connection's ``facts`` says why, for the
    completeness line.
    """
    con = _warehouse(path, label)
    found = status(con)
    if found.fresh:
        return read_stored(con)
    con.close()
    try:
        raw = store.open_warehouse(path, read_only=False)
    except SourceError as exc:
        return _inline(path, label, f"{found.reason}; the warehouse cannot be written to refresh them ({exc})")
    try:
        # A terminal sees why the command waits (a large warehouse after an upgrade: hours).
        with steps("refreshing the stored facts first") as progress:
            refresh(Warehouse(raw), DuckDBConnection(raw, label=label).probe, progress=progress)
    except duckdb.Error as exc:
        return _inline(path, label, f"{found.reason}; refreshing them failed: {first_line(exc)}")
    finally:
        raw.close()
    return read_stored(_warehouse(path, label))


def _warehouse(path: Path, label: str) -> DuckDBConnection:
    """The warehouse file opened read-only; its interception ids are unique (sync merges by id)."""
    con = DuckDBConnection(store.open_warehouse(path, read_only=True), label=label)
    con.unique_ids = True
    return con


def read_stored(con: C) -> C:
    """``con`` with the facts relation (and the tool facts and verdicts stored beside them) bound to
    the stored facts, which the caller has found fresh: a warehouse's, or a lake's copy of them."""
    con.relations.update(STORED_RELATIONS)
    con.facts = "stored"
    return con


def _inline(path: Path, label: str, why: str) -> DuckDBConnection:
    con = _warehouse(path, label)
    con.facts = f"inline: {why}"
    return con
