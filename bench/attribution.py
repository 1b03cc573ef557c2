"""Attribution of every interception, DuckDB warehouse vs the same SQL on PostgreSQL (target >= 10x)."""

from __future__ import annotations

from common import arguments, demo_warehouse, postgres_copy, ratio_line, timed

from aibridge_analytics import connect


def main() -> None:
    """Time the attribution (aggregated where computed, so no engine pays for shipping rows)."""
    args = arguments(__doc__)
    warehouse = demo_warehouse(args.interceptions, args.seed)
    pg_dsn = postgres_copy(warehouse, args.dsn, args.interceptions, args.seed)
    with connect(warehouse) as duck, connect(pg_dsn, statement_timeout_ms=0) as pg:
        t_duck, counts_duck = timed(lambda: duck.query("attribution/counts"), args.repeat)
        t_pg, counts_pg = timed(lambda: pg.query("attribution/counts"), args.repeat)
    assert counts_duck.equals(counts_pg), "the engines disagree"
    print(ratio_line(f"attribution of {args.interceptions} interceptions", t_duck, t_pg, 10))


if __name__ == "__main__":
    main()
