"""Benchmark: putting a large summary result in its order, `summaries.ordered` against Polars' sort.

    .venv/bin/python bench/order.py [--interceptions N] [--repeat R]

A summary's rows come in the order of their keys, ascending, NULLs last: the order of
``DataFrame.sort(keys, nulls_last=True)``, the baseline here. The frame is shaped like the result of
``summary --by provider,initiator,day`` on the ``solo`` shape (4.2M rows at ten million
interceptions: 42% as many rows as ``--interceptions``): ten provider ids as UUID texts and some
unattributed (NULL) rows, their names and types, 2,000 initiators, 365 days and 25 figure columns.
It comes in many chunks, as the summary's pipeline collects it (DuckDB's Arrow batches through a
lazy filter): gathering its rows one by one across them (indexing the frame with a permutation)
once took 12 s of a 35 s summary.

It prints both medians and the ratio (target: >= 1.5x Polars' sort) and checks that both give the
same frame; times are printed, never asserted.
"""

from __future__ import annotations

import duckdb
import polars as pl
from common import arguments, ratio_line, timed

from aibridge_analytics.pipelines.summaries import ordered

KEYS = ["resolved_provider_id", "provider_name", "provider_type", "initiator_id", "day"]

#: The generated rows, shuffled so that no key arrives in order. The ids are md5-derived UUID texts.
FRAME = """
SELECT * EXCLUDE (i)
FROM (
  SELECT
    i,
    CASE WHEN i % 31 = 0 THEN NULL ELSE CAST(CAST(md5('p' || (i % 10)) AS UUID) AS VARCHAR) END AS resolved_provider_id,
    CASE WHEN i % 31 = 0 THEN NULL ELSE 'provider-' || (i % 10) END AS provider_name,
    CASE WHEN i % 31 = 0 THEN NULL ELSE 'type-' || (i % 10 % 6) END AS provider_type,
    CAST(CAST(md5('u' || (i // 7 % 2000)) AS UUID) AS VARCHAR) AS initiator_id,
    CAST(DATE '2026-01-01' + CAST(i % 365 AS INTEGER) AS DATE) AS day,
    {figures}
  FROM range(CAST($rows AS BIGINT)) AS t(i)
)
ORDER BY hash(i)
"""


def main() -> None:
    """Generate the frame, time both orders, and print the ratio."""
    args = arguments(__doc__)
    rows = args.interceptions * 42 // 100
    figures = ", ".join(f"i * {n} AS figure_{n}" for n in range(1, 26))
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        found = con.execute(FRAME.format(figures=figures), {"rows": rows}).pl()
    # The summary's own step (summaries._grouped): a lazy filter, which leaves dozens of chunks.
    frame = found.lazy().filter(pl.col("figure_1") >= 0).collect()
    del found
    print(f"{frame.height:,} rows in {frame.n_chunks():,} chunk(s), {frame.estimated_size() / 2**30:.2f} GiB")
    t_fast, fast = timed(lambda: ordered(frame, KEYS), args.repeat)
    t_base, base = timed(lambda: frame.sort(KEYS, nulls_last=True), args.repeat)
    assert fast.equals(base), "summaries.ordered and Polars' sort give different orders"
    print(ratio_line(f"summaries.ordered over {frame.height:,} rows", t_fast, t_base, 1.5))


if __name__ == "__main__":
    main()
