"""Benchmark: a summary with millions of groups against the floor of what it must do, in one run.

    .venv/bin/python bench/floor.py [--shape solo|demo] [--interceptions N] [--by KEYS] [--repeat R]

The three-key target (3 s at ten million interceptions) holds on the demo shape, whose groups are
few, and is missed by ``--by provider,initiator,day`` on ``solo`` (most interceptions in sessions of
their own, 2,000 initiators, a year): its result has 4.2 million rows, 42% as many as the facts.
This measures, on the cached scale warehouse of ``bench/scale.py``, the call warm (median of
--repeat) and the parts of it that no exact plan of this design can leave out, each alone:

- *grouping*: the stored facts grouped by the keys' stored columns (numbers, not texts), counting
  only: the least an aggregation into these groups costs;
- *figures*: the same with the summary's sixteen sums and its percentiles, without its distinct
  counts or lookups: the aggregation the figures need;
- *hand-over*: the result's rows and columns, from a DuckDB table, into Polars;
- *order*: `summaries.ordered` putting the result, shuffled, in its order.

It prints each, the floor (figures + hand-over + order) against the target, and the call against
its floor: a floor above the target says the target cannot be met by making the call leaner,
only by computing less or on more cores. Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os

import duckdb
from common import timed
from scale import scale_warehouse

from aibridge_analytics import connect
from aibridge_analytics.errors import UsageError
from aibridge_analytics.pipelines import summaries

TARGET = 3.0
#: A ``--by`` key -> the stored facts' column a summary groups it by (sql/summaries/figures.sql).
STORED = {
    "provider": "provider_key",
    "model": "model",
    "client": "client",
    "initiator": "initiator_key",
    "day": "utc_day",
    "week": "utc_week",
    "method": "method",
    "group": "effective_group_id",
}
SUMMED = (
    *summaries.SUMS,
    "recorded_cost_micros",
    "priced_token_usages",
    "unpriced_token_usages",
    *summaries.UNPRICED_TOKENS,
)


def arguments() -> argparse.Namespace:
    """The options of this benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=("demo", "solo"), default="solo")
    parser.add_argument(
        "--interceptions", type=int, default=int(os.environ.get("BENCH_SCALE_INTERCEPTIONS", "10000000"))
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--by", default="provider,initiator,day")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB's memory limit while generating")
    args, _ = parser.parse_known_args()  # `make bench` passes every benchmark the same options
    try:
        args.keys = summaries.parse_keys(args.by)
    except UsageError as exc:
        parser.error(str(exc))
    if not args.keys:
        parser.error("--by needs at least one key: the floor is of a grouping")
    return args


def grouping(keys: list[str], figures: bool) -> str:
    """The stored facts of ended interceptions grouped by ``keys``: counting only, or with the
    figures' sums and percentiles; every aggregate is read (an unread one is optimised away)."""
    aggregates = ["COUNT(*) AS a0"]
    if figures:
        aggregates += [f"SUM({c}) AS a{n}" for n, c in enumerate(SUMMED, 1)]
        aggregates.append(
            f"PERCENTILE_CONT([0.5, 0.9, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_us) AS a{len(SUMMED) + 1}"
        )
    read = ", ".join(f"MAX(a{n})" for n in range(len(aggregates)))
    grouped = ", ".join(STORED[k] for k in keys)
    return (
        f"SELECT {read} FROM (SELECT {grouped}, {', '.join(aggregates)} "
        f"FROM main.aibridge_facts WHERE ended_at IS NOT NULL GROUP BY {grouped})"
    )


def main() -> None:
    """Measure the call and its floor on the scale warehouse, and print them against the target."""
    args = arguments()
    keys = args.keys
    columns = [c for k in keys for c in summaries.KEYS[k]]
    path, _ = scale_warehouse(args.shape, args.interceptions, args.seed, args.memory_limit)
    with connect(path) as con:  # brings the stored facts up to date if they are not
        t_call, found = timed(lambda: summaries.summarise(con, keys), args.repeat)
    frame = found.frame
    print(f"{args.shape}, {args.interceptions:,} interceptions, --by {','.join(keys)}: {frame.height:,} rows")
    with duckdb.connect(str(path), read_only=True) as duck:
        duck.execute("SET TimeZone = 'UTC'")
        duck.execute("SET enable_progress_bar = false")
        t_group, _ = timed(lambda: duck.execute(grouping(keys, False)).fetchall(), args.repeat)
        t_figures, _ = timed(lambda: duck.execute(grouping(keys, True)).fetchall(), args.repeat)
    with duckdb.connect() as duck:
        duck.execute("SET TimeZone = 'UTC'")
        duck.register("found", frame.to_arrow())
        duck.execute("CREATE TABLE result AS SELECT * FROM found")
        t_hand, handed = timed(lambda: duck.execute("SELECT * FROM result").pl(), args.repeat)
    shuffled = handed.sample(fraction=1.0, shuffle=True, seed=args.seed)
    t_order, again = timed(lambda: summaries.ordered(shuffled, columns), args.repeat)
    assert again.select(columns).equals(frame.select(columns)), "the shuffled result was put in another order"
    floor = t_figures + t_hand + t_order
    for what, seconds in (
        ("grouping, counting only", t_group),
        ("figures: grouping with the sums and percentiles", t_figures),
        (f"hand-over: {frame.height:,} rows x {frame.width} columns into Polars", t_hand),
        ("order: summaries.ordered", t_order),
    ):
        print(f"  {what}: {seconds:.2f} s")
    verdict = "above the target: not reachable by a leaner call" if floor > TARGET else "below the target"
    print(f"floor {floor:.2f} s against the target {TARGET:g} s ({verdict}); the call {t_call:.2f} s")
    print(f"the call is {t_call / floor:.1f}x its floor")


if __name__ == "__main__":
    main()
