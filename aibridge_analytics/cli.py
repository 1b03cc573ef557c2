"""The ``aibridge-analytics`` command line: thin edges over the package's functions.

Each command parses its options, calls one package function (imported lazily, so ``--help`` is
fast) and prints the frame it returns. Errors of this package become exit code 1 and one line on
stderr; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from aibridge_analytics.errors import AibridgeError, UsageError, is_interrupt

if TYPE_CHECKING:
    from datetime import datetime

    import polars as pl

    from aibridge_analytics.pipelines.interceptions import Filters
    from aibridge_analytics.sources.connection import Connection

EXIT_OK, EXIT_ERROR, EXIT_DISCREPANCIES = 0, 1, 3

DEFAULT_TABLE_ROWS = 50
"""Rows a table written to standard output shows unless ``--limit`` says otherwise."""

#: Each command's table columns, most wanted first: a table shows as many as fit the terminal.
COMPACT: dict[str, tuple[str, ...]] = {
    "providers": ("name", "type", "deleted", "id", "enabled", "display_name", "created_at"),
    "interceptions": ("id", "started_at", "initiator_username", "provider_name", "model", "client", "initiator_id"),
    "sessions": ("session_id", "initiator_username", "interceptions", "started_at", "models", "provider_names"),
    "attribute": ("interception_id", "method", "resolved_provider_name", "warnings", "started_at"),
    "sql": ("name", "parameters", "description"),
    "summary": ("interceptions", "sessions", "input_tokens", "output_tokens", "duration_p50_ms", "duration_p95_ms"),
    "spend": (
        "recorded_cost_micros",
        "priced_token_usages",
        "unpriced_token_usages",
        "unpriced_input_tokens",
        "unpriced_output_tokens",
        "unpriced_cache_read_input_tokens",
        "unpriced_cache_write_input_tokens",
        "interceptions",
    ),
    "what-if": (
        "recorded_cost_micros",
        "repriced_cost_micros",
        "difference_micros",
        "compared_token_usages",
        "unrepriced_token_usages",
    ),
    "reconcile": (
        "status",
        "user_id",
        "model",
        "provider_name",
        "cost_micros_export",
        "cost_micros_warehouse",
        "cost_difference_micros",
        "group_id",
        "provider",
    ),
}
ROWS_HINT = "--limit 0 shows every row; --format csv or --out FILE writes them all."
COLUMNS_HINT = "--wide shows every column, --columns NAME,... picks them."
VERIFY_COLUMNS_HINT = "--wide shows every column; --format json or markdown writes them all."
UNATTRIBUTED = "(unattributed)"
"""How a table labels the group of rows without a resolved provider (a null key in CSV and JSON)."""
NO_GROUP = "not recorded"
"""How a table labels the rows without an effective group (``--by group``; a null key in CSV and JSON)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line with exit code 1 (README: exit codes)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_ERROR, f"aibridge-analytics: error: {message} (see --help)\n")


_TIMEOUT_UNITS = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000}


def _milliseconds(text: str) -> int:
    """``--statement-timeout``'s value as PostgreSQL's statement_timeout reads it: ``500`` (ms), ``30s``,
    ``10min``, ``2h``; 0 for none."""
    value = text.strip()
    digits = value.rstrip("abcdefghijklmnopqrstuvwxyz").strip()
    unit = value[len(digits) :].strip() or "ms"
    if not digits.isdigit() or unit not in _TIMEOUT_UNITS or int(digits) * _TIMEOUT_UNITS[unit] > 2**31 - 1:
        raise argparse.ArgumentTypeError(
            f"not a statement timeout: {text!r} (give milliseconds or a number with ms, s, min or h, at most 24 days)"
        )
    return int(digits) * _TIMEOUT_UNITS[unit]


def _statement_timeout(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--statement-timeout",
        type=_milliseconds,
        metavar="DURATION",
        help="postgresql:// sources: the longest one server statement may run, e.g. 30s, 10min "
        "(default 10min; sync 1h; 0 for none)",
    )


class _Timeouts(TypedDict, total=False):
    statement_timeout_ms: int


def _timeouts(args: argparse.Namespace) -> _Timeouts:
    """``--statement-timeout`` as keyword arguments of `connect`/`sync` (none given: their defaults)."""
    given = getattr(args, "statement_timeout", None)
    return {} if given is None else {"statement_timeout_ms": given}


def _engine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=("duckdb", "postgres", "spark"),
        help="the engine that runs the queries (default: the one the source implies); spark reads a Parquet "
        "directory with Spark SQL",
    )
    p.add_argument(
        "--spark-master",
        metavar="URL",
        help="with --engine spark: spark://host:7077, sc://host:15002 (Spark Connect) or local[N] "
        "(default: SPARK_REMOTE, else local[2])",
    )


def _common(p: argparse.ArgumentParser, data: bool = True) -> None:
    p.add_argument(
        "--source",
        help="a .duckdb warehouse (default: the demo), postgresql://..., a Parquet directory or a JSON export",
    )
    _engine(p)
    _statement_timeout(p)
    if data:
        p.add_argument(
            "--format",
            default="table",
            choices=("table", "json", "csv", "csv-raw", "parquet"),
            help="output format (default: table); csv quotes cells a spreadsheet would run as formulas, "
            "csv-raw does not",
        )
        p.add_argument(
            "--out",
            help="write to this file (atomically; a symlink is followed, a device or FIFO written) "
            "instead of standard output",
        )
        p.add_argument(
            "--columns",
            type=_names,
            metavar="NAME,...",
            help="only these columns, in this order, in every format (default: a table shows the columns "
            "that fit the terminal, CSV, JSON and Parquet all of them)",
        )
        p.add_argument("--wide", action="store_true", help="a table shows every column")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _user_names(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-user-names",
        dest="user_names",
        action="store_false",
        help="show initiators by id alone: Coder's users table is not read and no username or name is output",
    )


def _people_columns(frame: pl.DataFrame, compact: Sequence[str]) -> list[str]:
    """A table's ``compact`` columns with the initiator shown as a person would look for it: by
    username where the source has names, else by id; the id after the rest, if it fits."""
    named = "initiator_username" in frame.columns and frame["initiator_username"].null_count() < frame.height
    if named:
        lead = list(dict.fromkeys("initiator_username" if c == "initiator_id" else c for c in compact))
        if "initiator_username" not in lead:
            return lead
        return [*lead, *(c for c in ("initiator_name", "initiator_id") if c not in lead)]
    # Without names the id, wide and rarely what a person scans for, comes after the rest.
    plain = [c for c in compact if c not in ("initiator_username", "initiator_name")]
    return list(dict.fromkeys([*plain, "initiator_id"] if "initiator_username" in compact else plain))


def _limit(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help=f"write only the first N {what}; 0 = all (default: {DEFAULT_TABLE_ROWS} in a table on standard output, "
        "all otherwise)",
    )


#: The one rule for times, said the same way by every option that takes one.
TIME_HELP = "ISO 8601 (no offset: in --tz) or an age such as 7d"
PERIOD_NAMES = "today, yesterday, this-week, last-week, this-month, last-month"
"""The named periods, for help texts (aibridge_analytics.periods.PERIODS; a test keeps them equal)."""


def _time_zone(p: argparse.ArgumentParser | argparse._ArgumentGroup, what: str) -> None:
    p.add_argument(
        "--tz",
        default="UTC",
        help=f"IANA time zone of {what}, of --period and of times without an offset (default: UTC)",
    )


def _period(p: argparse.ArgumentParser | argparse._ArgumentGroup, instead: str) -> None:
    p.add_argument(
        "--period",
        metavar="NAME",
        help=f"whole local days in --tz instead of {instead}: {PERIOD_NAMES} (weeks start on Monday; "
        "last-week is the previous Monday 00:00 to this Monday 00:00; today and this-* end now)",
    )


def _now(args: argparse.Namespace) -> datetime | None:
    """The instant ages and periods count from: ``$AIBRIDGE_NOW`` when set (tests, re-running a missed
    scheduled run), else None (the current time)."""
    from aibridge_analytics.catalogue.values import parse_timestamp

    pinned = os.environ.get("AIBRIDGE_NOW", "").strip()
    return parse_timestamp(pinned, "AIBRIDGE_NOW", tz=getattr(args, "tz", "UTC")) if pinned else None


def _filters(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Coder's filters")
    g.add_argument("--provider-id", help="provider (ai_providers.id)")
    g.add_argument(
        "--provider-name",
        help="provider_name snapshot, exactly (--mode coder: must be a live provider's "
        "name, as Coder requires; on a Coder without ai_providers it holds the wire type)",
    )
    g.add_argument("--model", help="model, exactly")
    g.add_argument("--client", help="client; NULL clients are 'Unknown'")
    g.add_argument("--initiator", help="initiator (user) id")
    g.add_argument("--started-after", help=f"earliest start, included: {TIME_HELP}")
    g.add_argument("--started-before", help=f"latest start, included: {TIME_HELP}")
    _period(g, "--started-after/--started-before")
    _time_zone(g, "the filters")
    g.add_argument("--session-id", help="session id (client session id, thread root or the interception's own id)")
    g.add_argument(
        "--mode",
        default="strict",
        choices=("strict", "coder"),
        help="provider filter semantics: strict attribution (default) or Coder's runtime filter",
    )


def _make_filters(args: argparse.Namespace) -> Filters:
    from aibridge_analytics.pipelines.interceptions import Filters

    return Filters(
        provider_id=args.provider_id,
        provider_name=args.provider_name,
        model=args.model,
        client=args.client,
        initiator_id=args.initiator,
        started_after=args.started_after,
        started_before=args.started_before,
        session_id=args.session_id,
        tz=args.tz,
        period=args.period,
        now=_now(args),
    )


def _on_terminal(args: argparse.Namespace) -> bool:
    """Whether a table goes to a terminal, where what is on stderr before it scrolls away."""
    return args.format == "table" and getattr(args, "out", None) is None and sys.stdout.isatty()


def _emit(
    args: argparse.Namespace,
    frame: pl.DataFrame,
    title: str | None = None,
    compact: Sequence[str] | None = None,
    rows: bool = False,
) -> None:
    """Write ``frame`` as asked: ``--columns``, ``--wide`` and, where ``rows``, ``--limit`` rows.

    A table gets the ``compact`` columns that fit unless ``--wide``; with ``rows``, a table on
    standard output shows :data:`DEFAULT_TABLE_ROWS` rows unless ``--limit`` is given.
    """
    from aibridge_analytics.errors import UsageError
    from aibridge_analytics.outputs.formats import View, emit

    limit = getattr(args, "limit", None) if rows else None
    if limit is not None and limit < 0:
        raise UsageError(f"limit {limit} is negative; 0 means every row")
    if limit is None and rows and args.format == "table" and args.out is None:
        limit = DEFAULT_TABLE_ROWS
    view = View(
        columns=getattr(args, "columns", None),
        compact=None if getattr(args, "wide", False) else compact,
        limit=limit or None,
        rows_hint=ROWS_HINT,
        columns_hint=COLUMNS_HINT,
        tz=getattr(args, "tz", None) or "UTC",
    )
    emit(frame, args.format, args.out, title, view=view)


def _scalar(args: argparse.Namespace, name: str, value: int) -> None:
    import polars as pl

    _emit(args, pl.DataFrame({name: [value]}))


# --- commands ----------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from aibridge_analytics.demo.generator import build_demo
    from aibridge_analytics.outputs.formats import resolve_output, writing
    from aibridge_analytics.outputs.progress import bar
    from aibridge_analytics.warehouse.store import default_demo_path

    given = default_demo_path() if args.db is None else args.db
    path = resolve_output(given, streams=False)  # a warehouse is a regular file: a symlink is followed
    if args.shape is not None:  # a benchmark-scale warehouse, generated in SQL (no ground truth)
        from aibridge_analytics.demo.scale import build_scale

        with writing(given), bar(f"generating {args.shape}-shaped interceptions") as progress:
            scale = build_scale(path, args.shape, args.interceptions, args.seed, progress=progress)
        print(f"scale warehouse written to {path}: {scale.describe()}")
        return EXIT_OK
    with writing(given), bar("generating demo interceptions") as progress:
        summary = build_demo(path, interceptions=args.interceptions, seed=args.seed, progress=progress)
    print(f"demo warehouse written to {path}: {summary.describe()}")
    return EXIT_OK


def cmd_sql_list(args: argparse.Namespace) -> int:
    import polars as pl

    from aibridge_analytics.catalogue import headers

    rows = [
        {
            "name": q.name,
            "relation": q.relation,
            "parameters": ", ".join(f"{p.name}:{p.kind}{'?' if p.optional else ''}" for p in q.params.values()),
            "description": q.doc,
        }
        for q in headers().values()
    ]
    _emit(args, pl.DataFrame(rows), compact=COMPACT["sql"])
    return EXIT_OK


def cmd_sql_render(args: argparse.Namespace) -> int:
    from aibridge_analytics.catalogue import render
    from aibridge_analytics.errors import UsageError
    from aibridge_analytics.pipelines.interceptions import filter_binding, mode_relations

    params: dict[str, str | None] = {}
    for item in args.param or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"parameter {item!r} is not key=value")
        params[key.strip()] = None if value == "null" else value
    relations = dict(r.partition("=")[::2] for r in (args.relation or []))
    if args.mode:
        relations = {**mode_relations(args.mode), **relations}
    # The filters are bound by the code the listings and counts run (the provider looked up in the
    # source as they look it up), so the printed statement reproduces the command.
    bound = filter_binding(args.name, params, args.mode, relations, lambda: _connect(args))
    print(render(args.name, args.dialect, bound, relations=relations).display())
    return EXIT_OK


def _connect(args: argparse.Namespace) -> Connection:
    """The command's ``--source``, opened with its ``--statement-timeout``."""
    from aibridge_analytics.sources.kinds import connect

    engine, master = getattr(args, "engine", None), getattr(args, "spark_master", None)
    if master is not None and engine != "spark":
        raise UsageError("--spark-master names the cluster of --engine spark; add --engine spark")
    return connect(args.source, engine=engine, spark_master=master, **_timeouts(args))


def cmd_providers(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.interceptions import list_providers

    with _connect(args) as con:
        frame = list_providers(con)
    _emit(args, frame, compact=COMPACT["providers"])
    return EXIT_OK


def cmd_interceptions_list(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.interceptions import list_interceptions

    with _connect(args) as con:
        frame = list_interceptions(
            con,
            _make_filters(args),
            mode=args.mode,
            after_id=args.after_id,
            limit=args.limit,
            user_names=args.user_names,
        )
    _emit(args, frame, compact=_people_columns(frame, COMPACT["interceptions"]))
    if frame.height == args.limit:  # a full page: there may be more
        print(f"next page: --after-id {frame['id'][-1]}", file=sys.stderr)
    return EXIT_OK


def cmd_interceptions_count(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.interceptions import count_interceptions

    with _connect(args) as con:
        _scalar(args, "interceptions", count_interceptions(con, _make_filters(args), mode=args.mode))
    return EXIT_OK


def cmd_sessions_list(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.interceptions import list_sessions

    with _connect(args) as con:
        frame = list_sessions(con, _make_filters(args), mode=args.mode, limit=args.limit, user_names=args.user_names)
    _emit(args, frame, compact=_people_columns(frame, COMPACT["sessions"]))
    return EXIT_OK


def cmd_sessions_count(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.interceptions import count_sessions

    with _connect(args) as con:
        _scalar(args, "sessions", count_sessions(con, _make_filters(args), mode=args.mode))
    return EXIT_OK


def cmd_attribute(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.attribution import AttributionFilters, attribute

    filters = AttributionFilters(
        provider=args.provider,
        method=args.method,
        warning=args.warning,
        since=args.since,
        until=args.until,
        tz=args.tz,
        period=args.period,
        now=_now(args),
    )
    with _connect(args) as con:
        frame = attribute(con, filters)
    _emit(args, frame, compact=COMPACT["attribute"], rows=True)
    return EXIT_OK


def cmd_verify_backfill(args: argparse.Namespace) -> int:
    from aibridge_analytics.outputs.formats import atomic_write
    from aibridge_analytics.pipelines.verification import verify_backfill

    with _connect(args) as con:
        report = verify_backfill(con, samples=args.samples)
    text = report.render(args.format, wide=args.wide, columns_hint=VERIFY_COLUMNS_HINT)
    if args.out is not None:
        atomic_write(args.out, text.encode())
    else:
        sys.stdout.write(text)
    if args.out is not None or args.format != "table":
        # A table on standard output ends with the verdict already; elsewhere it goes to stderr.
        print(report.verdict(), file=sys.stderr)
    return EXIT_OK if report.clean else EXIT_DISCREPANCIES


def _range(args: argparse.Namespace) -> dict[str, Any]:
    """A command's range options as keyword arguments: ``--since``/``--until`` or ``--period``, in
    ``--tz``, counted from ``AIBRIDGE_NOW`` when set."""
    return {"since": args.since, "until": args.until, "tz": args.tz, "period": args.period, "now": _now(args)}


def cmd_what_if(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.prices import read_price_book
    from aibridge_analytics.pipelines.spend import WHAT_IF, what_if

    if not args.prices:
        raise UsageError("--what-if reprices with a price book: give --prices FILE")
    with _connect(args) as con:
        book = read_price_book(args.prices)
        frame = what_if(con, book, args.by, **_range(args), lax=args.lax, user_names=args.user_names)
    print(
        f"what-if: every token usage repriced with the price book {book.source} ({len(book.entries)} entries), "
        "USD to the micro-dollar; difference_micros = repriced - recorded over the usages both price "
        "(compared_token_usages); unrepriced_token_usages: usage the book cannot price (not counted as 0)",
        file=sys.stderr,
    )
    table = _summary_for_people(frame, WHAT_IF, "token_usages") if args.format == "table" else frame
    hidden = ("resolved_provider_id", "provider_type", "initiator_username", "initiator_name")
    keys = [c for c in table.columns if c not in WHAT_IF and c not in hidden]
    compact = (*COMPACT["what-if"], "token_usages")
    _emit(args, table, compact=_people_columns(table, [*keys, *compact]), rows=True)
    return EXIT_OK


def cmd_reconcile(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.spend import reconcile

    with _connect(args) as con:
        found = reconcile(con, args.reconcile, args.since, args.until, now=_now(args))
    print(found.describe(), file=sys.stderr)
    _emit(args, found.differences, compact=COMPACT["reconcile"], rows=True)
    return EXIT_OK if found.clean else EXIT_DISCREPANCIES


def cmd_summary(args: argparse.Namespace) -> int:
    from aibridge_analytics.pipelines.prices import read_price_book
    from aibridge_analytics.pipelines.summaries import ESTIMATE, FIGURES, summarise

    if getattr(args, "reconcile", None):
        if args.what_if or args.period:
            raise UsageError("--reconcile compares the export's own period: drop --what-if and --period")
        return cmd_reconcile(args)
    if getattr(args, "what_if", False):
        return cmd_what_if(args)
    with _connect(args) as con:
        book = read_price_book(args.prices) if args.prices else None
        result = summarise(con, args.by, **_range(args), lax=args.lax, user_names=args.user_names, prices=book)
    for problem in result.problems:
        print(f"aibridge-analytics: warning: {problem}", file=sys.stderr)
    print(result.describe(), file=sys.stderr)
    if book is not None:
        print(
            f"price book {book.source}: {len(book.entries)} entries estimate the unpriced usage "
            "(estimated_cost_micros, USD to the micro-dollar); only recorded_plus_estimated_cost_micros adds "
            "the estimate to the recorded cost",
            file=sys.stderr,
        )
    frame = _summary_for_people(result.frame) if args.format == "table" else result.frame
    # A table marks partial dates in the date itself; the user's names stand beside the id.
    hidden = ("resolved_provider_id", "provider_type", "partial", "initiator_username", "initiator_name")
    keys = [c for c in frame.columns if c not in FIGURES and c not in ESTIMATE and c not in hidden]
    estimate = [c for c in ESTIMATE if c in frame.columns and args.view == "spend"]
    view = COMPACT[args.view]
    compact = [*view[:1], *estimate, *view[1:]] if estimate else list(view)
    _emit(args, frame, compact=_people_columns(frame, [*keys, *compact]), rows=True)
    if _on_terminal(args):
        print(result.describe(), file=sys.stderr)  # the table pushed the first one off the screen
    return EXIT_OK


def _summary_for_people(
    frame: pl.DataFrame, figures: Sequence[str] | None = None, size: str = "interceptions"
) -> pl.DataFrame:
    """A summary as a table shows it: the biggest groups first, the unattributed group labelled.

    With a ``day`` or ``week`` key, each group keeps its dates in order and groups are ordered by
    their total, and a date the range covers in part reads ``2026-11-16 (partial)``. CSV, JSON and
    Parquet keep the summary's own order, its null key and the boolean ``partial`` column.
    """
    import polars as pl

    from aibridge_analytics.pipelines.summaries import ESTIMATE, FIGURES

    if "provider_name" in frame.columns and "resolved_provider_id" in frame.columns:
        frame = frame.with_columns(
            pl.when(pl.col("resolved_provider_id").is_null())
            .then(pl.lit(UNATTRIBUTED))
            .otherwise(pl.col("provider_name"))
            .alias("provider_name")
        )
    if "effective_group_id" in frame.columns:
        frame = frame.with_columns(pl.col("effective_group_id").fill_null(NO_GROUP))
    dates = [k for k in ("day", "week") if k in frame.columns]
    figures = (*FIGURES, *ESTIMATE) if figures is None else tuple(figures)
    groups = [c for c in frame.columns if c not in (*figures, *dates, "partial")]
    total = pl.col(size).sum().over(groups) if groups else pl.col(size).sum()
    order = ["_total", *groups, *dates]
    frame = (
        frame.with_columns(total.alias("_total"))
        .sort(order, descending=[True] + [False] * (len(order) - 1), nulls_last=True)
        .drop("_total")
    )
    if dates and "partial" in frame.columns:  # the finest date key stands for the row's bucket, as `partial` does
        unit = dates[0]
        mark = pl.when(pl.col("partial")).then(pl.lit(" (partial)")).otherwise(pl.lit(""))
        marked = pl.col(unit).cast(pl.String) + mark
        frame = frame.with_columns(marked.alias(unit))
    return frame


def cmd_sync(args: argparse.Namespace) -> int:
    from aibridge_analytics.catalogue.values import parse_hours
    from aibridge_analytics.outputs.progress import bar
    from aibridge_analytics.warehouse.sync import sync

    overlap = parse_hours(args.overlap_hours, "--overlap-hours")
    log = (lambda line: print(line, file=sys.stderr, flush=True)) if args.verbose else None
    with bar("syncing rows") as progress:
        summary = sync(
            args.source,
            args.db,
            batch_rows=args.batch_rows,
            overlap=overlap,
            keep_latest=args.keep_latest,
            progress=progress,
            # The refresh of the facts at the end can be the longer part (a first sync builds them).
            facts_progress=lambda done, total, step: progress(done, total, f"refreshing the facts: {step}"),
            log=log,
            **_timeouts(args),
        )
    print(summary.describe())
    if args.lake is not None:
        from aibridge_analytics.warehouse.lake import write

        print(write(args.db, args.lake, log=log).describe())
    return EXIT_OK


def cmd_lake(args: argparse.Namespace) -> int:
    from aibridge_analytics.sources.kinds import default_source
    from aibridge_analytics.warehouse.lake import write

    log = (lambda line: print(line, file=sys.stderr, flush=True)) if args.verbose else None
    print(write(default_source() if args.db is None else args.db, args.to, log=log).describe())
    return EXIT_OK


def cmd_facts_status(args: argparse.Namespace) -> int:
    from aibridge_analytics.sources.kinds import default_source
    from aibridge_analytics.warehouse.facts import inspect

    found = inspect(default_source() if args.db is None else args.db)
    print("stored facts: fresh" if found.fresh else f"stored facts: stale: {found.reason}")
    return EXIT_OK


def cmd_facts_build(args: argparse.Namespace) -> int:
    from aibridge_analytics.outputs.progress import steps
    from aibridge_analytics.warehouse.facts import build

    with steps("building the facts") as progress:
        done = build(args.db, rebuild=args.rebuild, progress=progress)
    print(done)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from aibridge_analytics.outputs.progress import steps
    from aibridge_analytics.outputs.report import build_report
    from aibridge_analytics.warehouse.store import REPORT_MEMORY_LIMIT, memory_limit

    with _connect(args) as con, steps("report") as progress:
        # Stored facts leave it small aggregations; inline facts join the child tables, which keep
        # every command's limit.
        if con.facts == "stored":
            con.hold_memory(memory_limit(REPORT_MEMORY_LIMIT))
        result = build_report(
            con,
            args.out,
            **_range(args),
            include_prompts=args.include_prompts,
            user_names=args.user_names,
            progress=progress,
        )
    for problem in result.problems:
        print(f"aibridge-analytics: warning: {problem}", file=sys.stderr)
    print(result.describe(), file=sys.stderr)
    return EXIT_OK


def _check_out(args: argparse.Namespace) -> None:
    """Refuse an ``--out`` that cannot or must not be written before any work is done."""
    out = getattr(args, "out", None)
    if out is None:
        return
    if args.func is cmd_report:
        from aibridge_analytics.outputs.report.publish import resolve_directory

        resolve_directory(out)
    else:
        from aibridge_analytics.outputs.formats import resolve_output

        resolve_output(out)


# --- parser ------------------------------------------------------------------------------------


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aibridge-analytics")
    except PackageNotFoundError:  # a source tree that is not installed
        return "unknown"


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked (importlib.metadata's
    import and search cost every command 0.05-0.1 s when the parser was built with it)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        sys.stdout.write(f"{parser.prog} {_version()}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = _Parser(
        prog="aibridge-analytics", description="Provider attribution and analytics for Coder's AI Bridge history."
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("demo", help="build the deterministic demo warehouse")
    p.add_argument(
        "--db",
        help="where to write it (default: $AIBRIDGE_DEMO_DB, else $XDG_DATA_HOME/aibridge-analytics/demo.duckdb, "
        "else ~/.local/share/aibridge-analytics/demo.duckdb)",
    )
    p.add_argument(
        "--interceptions", type=int, default=20_000, help="how many interceptions to generate (default: 20000)"
    )
    p.add_argument(
        "--seed", type=int, default=7, help="random seed: the same seed gives the same warehouse (default: 7)"
    )
    p.add_argument(
        "--shape",
        choices=("demo", "solo"),
        help="instead, a benchmark-scale warehouse generated in SQL, without planted edge cases or ground truth: "
        "demo (the demo's proportions) or solo (most interceptions in sessions of their own, 2,000 initiators, "
        "365 days); fast at millions of interceptions",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_demo)

    sql = sub.add_parser("sql", help="the SQL catalogue").add_subparsers(
        dest="sql_command", required=True, parser_class=_Parser
    )
    p = sql.add_parser("list", help="list the catalogue's queries")
    p.add_argument(
        "--format", default="table", choices=("table", "json", "csv", "csv-raw"), help="output format (default: table)"
    )
    p.add_argument("--out", help="write to this file (atomically) instead of standard output")
    p.add_argument("--columns", type=_names, metavar="NAME,...", help="only these columns, in this order")
    p.add_argument("--wide", action="store_true", help="a table shows every column")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_sql_list)
    p = sql.add_parser("render", help="print a query rendered for an engine, with its bound parameters")
    p.add_argument("name", help="the query's catalogue name, such as interceptions/count (`sql list` lists them)")
    p.add_argument("--dialect", required=True, choices=("duckdb", "postgres", "spark"), help="the engine to render for")
    p.add_argument("-p", "--param", action="append", metavar="KEY=VALUE", help="a parameter value ('null' for NULL)")
    p.add_argument("--relation", action="append", metavar="NAME=QUERY", help="bind a relation to a catalogue query")
    p.add_argument(
        "--mode",
        choices=("strict", "coder"),
        default="strict",
        help="binds the provider-filter relation (default strict)",
    )
    p.add_argument(
        "--source",
        help="where a provider given as a filter is looked up, as the commands look it up (default: the demo)",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_sql_render)

    for noun, listing, counting, limit_help in (
        ("interceptions", cmd_interceptions_list, cmd_interceptions_count, "page size, 1..1000"),
        ("sessions", cmd_sessions_list, cmd_sessions_count, "page size, 1..1000"),
    ):
        group = sub.add_parser(noun, help=f"Coder's {noun} listing and count").add_subparsers(
            dest=f"{noun}_command", required=True, parser_class=_Parser
        )
        p = group.add_parser("list", help=f"list {noun}, newest first")
        _common(p)
        _filters(p)
        if noun == "interceptions":
            p.add_argument("--after-id", help="keyset cursor: the last id of the previous page")
        p.add_argument("--limit", type=int, default=100, help=limit_help)
        _user_names(p)
        p.set_defaults(func=listing)
        p = group.add_parser("count", help=f"count {noun}")
        _common(p)
        _filters(p)
        p.set_defaults(func=counting)

    p = sub.add_parser(
        "providers", help="every provider (ai_providers), live and soft-deleted: the ids --provider-id takes"
    )
    _common(p)
    p.set_defaults(func=cmd_providers)

    p = sub.add_parser("attribute", help="one row per interception with its attribution")
    _common(p)
    _limit(p, "rows")
    g = p.add_argument_group("filters")
    g.add_argument("--provider", metavar="ID|NAME", help="rows resolved to this provider (its id, or its name)")
    g.add_argument("--method", help="rows of this method, such as no_live_provider (README: attribution)")
    g.add_argument("--warning", help="rows with this warning, such as name_reused (README: attribution)")
    g.add_argument("--since", help=f"first start included: {TIME_HELP}")
    g.add_argument("--until", help=f"first start excluded: {TIME_HELP}")
    _period(g, "--since/--until")
    _time_zone(g, "--period")
    p.set_defaults(func=cmd_attribute)

    p = sub.add_parser("verify-backfill", help="verify the provider_id backfill; exit 3 when discrepancies are found")
    _common(p, data=False)
    p.add_argument(
        "--format", default="table", choices=("table", "json", "markdown"), help="output format (default: table)"
    )
    p.add_argument("--out", help="write to this file (atomically) instead of standard output")
    p.add_argument("--samples", type=int, default=3, help="interception ids shown per class (default: 3)")
    p.add_argument("--wide", action="store_true", help="a table shows every column of each section")
    p.set_defaults(func=cmd_verify_backfill)

    for view, about in (
        ("summary", "per-provider summaries (figures of ended interceptions; completeness on stderr)"),
        ("spend", "recorded spend per provider (the summary, its spend columns first: cost, unpriced usage)"),
    ):
        p = sub.add_parser(view, help=about)
        _common(p)
        p.add_argument(
            "--by",
            default="provider",
            help="comma-separated keys from provider, model, client, initiator, day, week, method, group "
            "(the effective group, where recorded) (default: provider)",
        )
        _time_zone(p, "the day/week buckets")
        p.add_argument("--since", help=f"first start included: {TIME_HELP}")
        p.add_argument("--until", help=f"first start excluded: {TIME_HELP}")
        _period(p, "--since/--until")
        p.add_argument(
            "--lax", action="store_true", help="rows failing validation: warn on stderr and print the summary anyway"
        )
        p.add_argument(
            "-v", "--verbose", action="store_true", help="with an error, also show its details (example rows)"
        )
        _limit(p, "groups")
        _user_names(p)
        p.add_argument(
            "--prices",
            metavar="FILE",
            help="a price book (CSV or JSON: provider_type or provider_id, model, effective_from, "
            "four *_price_micros per million tokens) estimating the unpriced usage's cost beside the recorded one",
        )
        if view == "spend":
            p.add_argument(
                "--what-if",
                action="store_true",
                help="reprice ALL usage with --prices and show recorded, repriced and their difference per "
                "provider and model (and --by)",
            )
            p.add_argument(
                "--reconcile",
                metavar="EXPORT.csv",
                help="compare Coder's organisation spend export (CSV) with this source's usage of its period; "
                "exit 3 when they differ",
            )
        p.set_defaults(func=cmd_summary, view=view)
    p = sub.add_parser("sync", help="copy new and changed rows of a Coder database (or export) into a local warehouse")
    p.add_argument("--source", required=True, help="postgresql://... (read-only), a JSON export or a Parquet directory")
    p.add_argument("--db", required=True, help="the warehouse file to create or update (.duckdb)")
    _statement_timeout(p)
    p.add_argument(
        "--batch-rows",
        type=int,
        default=250_000,
        help="rows per committed batch of a file source (default 250000); a live database commits table by table",
    )
    p.add_argument(
        "--overlap-hours",
        default="24",
        help="re-read this much history before the last sync's watermark: 0 to 87840 hours (default 24)",
    )
    p.add_argument(
        "--keep-latest",
        action="store_true",
        help="JSON exports: keep the copy read last of an interception that appears with different content",
    )
    p.add_argument("--lake", help="then bring this Parquet lake up to date from the warehouse (see the lake command)")
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log each commit on stderr (one per table of a live database, one per batch of a file source)",
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "lake",
        help="write a warehouse as a Parquet lake partitioned by day, for Spark or DuckDB; "
        "incremental, atomic per partition",
    )
    p.add_argument("--db", help="the warehouse file (.duckdb; default: the demo)")
    p.add_argument(
        "--to", required=True, help="the lake directory: absent, empty, or a lake written before (brought up to date)"
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log each partition written on stderr")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_lake)

    facts = sub.add_parser(
        "facts", help="a warehouse's stored facts (one row per interception, kept by sync): state, or build now"
    ).add_subparsers(dest="facts_command", required=True, parser_class=_Parser)
    p = facts.add_parser("status", help="whether the stored facts are fresh, and if not, why")
    p.add_argument("--db", help="the warehouse file (.duckdb; default: the demo)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_facts_status)
    p = facts.add_parser("build", help="bring the stored facts up to date now (sync and reads do it when needed)")
    p.add_argument("--db", required=True, help="the warehouse file (.duckdb), writable and not open elsewhere")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="build them whole even when fresh, from the start (a large warehouse in chunks of whole days, "
        "each committed: until the last one the facts read as unfinished, never as fresh; without --rebuild "
        "a build stopped half-way goes on from its last chunk)",
    )
    p.epilog = (
        "DuckDB's memory is held to 2 GB (AIBRIDGE_MEMORY_LIMIT sets another limit, e.g. 8GB). A chunk holds "
        "about 0.625 million interceptions per GB of it, at most 10 million: more memory builds a large warehouse "
        "in fewer, larger chunks, which is faster. A chunk that runs out of memory is rolled back and built again "
        "in halves, up to four times."
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(func=cmd_facts_build)

    p = sub.add_parser(
        "report", help="the scheduled report: HTML, Markdown, JSON, Parquet and a manifest in one directory"
    )
    _common(p, data=False)
    p.add_argument(
        "--out",
        required=True,
        help="directory to write: absent, empty or a previous report, replaced only once "
        "the new report is complete (a symlink is followed)",
    )
    p.add_argument(
        "--since",
        help=f"first start included: {TIME_HELP} (default: the 7 days ending with the day of the newest interception)",
    )
    p.add_argument("--until", help=f"first start excluded: {TIME_HELP}")
    _period(p, "--since/--until")
    _time_zone(p, "the days")
    p.add_argument(
        "--include-prompts", action="store_true", help="add a few recent prompts per provider (they may hold secrets)"
    )
    _user_names(p)
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        _check_out(args)
        return func(args)
    except AibridgeError as exc:
        if getattr(args, "debug", False):
            raise
        from aibridge_analytics.sources.connection import redact

        # Messages are redacted where they are made; this is the last line of defence.
        hint = f"; {exc.cli_hint}" if exc.cli_hint else ""
        print(f"aibridge-analytics: error: {redact(str(exc) + hint)}", file=sys.stderr)
        if getattr(args, "verbose", False):
            for line in getattr(exc, "details", ()):
                print(redact(line), file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK
    except BaseException as exc:
        # SIGINT, Ctrl-C: whatever was being written is rolled back (sync: the table in progress).
        if not is_interrupt(exc) or getattr(args, "debug", False):
            raise
        print("aibridge-analytics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
