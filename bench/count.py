"""`interceptions count` with a provider filter, DuckDB warehouse vs the PostgreSQL server (target >= 5x)."""

from __future__ import annotations

from common import arguments, demo_warehouse, postgres_copy, ratio_line, timed

from aibridge_analytics import Filters, connect, count_interceptions
from aibridge_analytics.demo.generator import PROVIDERS


def main() -> None:
    """Time the count in both modes on both engines and print the ratios."""
    args = arguments(__doc__)
    warehouse = demo_warehouse(args.interceptions, args.seed)
    pg_dsn = postgres_copy(warehouse, args.dsn, args.interceptions, args.seed)
    provider = next(p for p in PROVIDERS if not p.deleted)
    filters = Filters(provider_id=str(provider.id))
    with connect(warehouse) as duck, connect(pg_dsn, statement_timeout_ms=0) as pg:
        for mode in ("coder", "strict"):
            t_duck, n_duck = timed(lambda mode=mode: count_interceptions(duck, filters, mode=mode), args.repeat)
            t_pg, n_pg = timed(lambda mode=mode: count_interceptions(pg, filters, mode=mode), args.repeat)
            assert n_duck == n_pg, (n_duck, n_pg)
            print(
                ratio_line(
                    f"count --mode {mode} --provider-id {provider.name} ({n_duck} rows of {args.interceptions})",
                    t_duck,
                    t_pg,
                    5,
                )
            )


if __name__ == "__main__":
    main()
