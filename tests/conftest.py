"""Shared fixtures.

PostgreSQL: `make test` starts a throwaway server (scripts/pg-throwaway) and passes its DSN in
AIBRIDGE_TEST_PG_DSN. Tests marked ``postgres`` take ``pg_dsn``, or ``pg_schema`` /
``new_pg_schema`` for an isolated, empty schema of their own. Without a server those tests are
skipped locally, and fail under CI or AIBRIDGE_REQUIRE_PG=1 so that a missing server is never
mistaken for a pass.

The demo warehouse's default place (``store.default_demo_path``) is the user's data directory:
every test session points ``AIBRIDGE_DEMO_DB`` at a file of its own, so that no test reads a
stale demo or writes into the real ``~/.local/share`` (CI runs as root with HOME=/root).

Spark: tests marked ``spark`` take ``spark_session``, one local-mode session for the whole run;
they skip without Java locally and fail under CI or AIBRIDGE_REQUIRE_SPARK=1.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest


@pytest.fixture(scope="session", autouse=True)
def private_demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default demo warehouse of this test session: a file in its temporary directory.

    Set in os.environ so that subprocesses (the CLI, notebook kernels) inherit it.
    """
    old = os.environ.get("AIBRIDGE_DEMO_DB")
    os.environ["AIBRIDGE_DEMO_DB"] = str(tmp_path_factory.mktemp("default-demo") / "demo.duckdb")
    yield
    if old is None:
        os.environ.pop("AIBRIDGE_DEMO_DB", None)
    else:
        os.environ["AIBRIDGE_DEMO_DB"] = old


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """The throwaway PostgreSQL server's DSN."""
    dsn = os.environ.get("AIBRIDGE_TEST_PG_DSN")
    if dsn:
        return dsn
    if os.environ.get("AIBRIDGE_REQUIRE_PG") == "1" or os.environ.get("CI"):
        pytest.fail("AIBRIDGE_TEST_PG_DSN is not set but PostgreSQL is required: run `make test`")
    pytest.skip("no PostgreSQL: run make test")


@dataclass
class PgSchema:
    """An empty schema of its own, and a connection whose search_path is only that schema."""

    name: str
    conn: psycopg.Connection
    dsn: str


@pytest.fixture
def new_pg_schema(pg_dsn: str) -> Iterator[Callable[[], PgSchema]]:
    """Factory of fresh schemas (one per call), all dropped at teardown.

    For tests that need several datasets, or one per hypothesis example (a function-scoped
    fixture is not reset between examples). Connections are in autocommit mode.
    """
    made: list[PgSchema] = []

    def make() -> PgSchema:
        name = f"t_{uuid.uuid4().hex[:16]}"
        conn = psycopg.connect(pg_dsn, autocommit=True, options=f"-c search_path={name}")
        conn.execute(f'CREATE SCHEMA "{name}"')
        made.append(PgSchema(name, conn, pg_dsn))
        return made[-1]

    yield make

    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        for schema in made:
            schema.conn.close()
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema.name}" CASCADE')


@pytest.fixture
def pg_schema(new_pg_schema: Callable[[], PgSchema]) -> PgSchema:
    """One fresh, empty schema for this test (see ``new_pg_schema``)."""
    return new_pg_schema()


@pytest.fixture(scope="session")
def spark_session():
    """The one Spark session of the test run (local mode), shared by every Spark test.

    Without Java or PySpark the Spark tests skip locally, and fail under CI or
    AIBRIDGE_REQUIRE_SPARK=1 (`make test`), so that a Spark that cannot start is never a pass.
    """
    from aibridge_analytics.errors import AibridgeError
    from aibridge_analytics.sources import spark

    # The tests' data is a few hundred rows: one partition per stage plans and runs about twice as
    # fast as two here (measured), and is no setting for real data.
    spark.LOCAL_CONF.update({"spark.sql.shuffle.partitions": "1", "spark.default.parallelism": "1"})
    try:
        return spark.session()
    except AibridgeError as exc:
        if os.environ.get("AIBRIDGE_REQUIRE_SPARK") == "1" or os.environ.get("CI"):
            pytest.fail(f"Spark is required but cannot start: {exc}")
        pytest.skip(f"no Spark: {exc}")
