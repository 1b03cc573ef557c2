"""Shared fixtures.

PostgreSQL: `make test` starts a throwaway server (scripts/pg-throwaway) and passes its DSN in
AIBRIDGE_TEST_PG_DSN. Tests marked ``postgres`` take ``pg_dsn``, or ``pg_schema`` /
``new_pg_schema`` for an isolated, empty schema of their own. Without a server those tests are
skipped locally, and fail under CI or AIBRIDGE_REQUIRE_PG=1 so that a missing server is never
mistaken for a pass.

The demo warehouse's default place (``store.default_demo_path``) is the user's data directory:
every test session points ``AIBRIDGE_DEMO_DB`` at a file of its own, so that no test reads a
stale demo or writes into the real ``~/.local/share`` (CI runs as root with HOME=/root).

Spark: tests marked ``spark`` take ``spark_session``, one local-mode session for the whole run,
``spark_connect``, the URL of one Spark Connect server on loopback for the whole run, or
``spark_standalone``, the URL of one standalone master with one worker; they skip
without Java (or the Connect client) locally and fail under CI or AIBRIDGE_REQUIRE_SPARK=1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NoReturn

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


@pytest.fixture(scope="session", autouse=True)
def private_render_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The render cache of this test session: a directory of its own, shared by its workers and
    the subprocesses they start (never the user's ``~/.cache``), so that the suite renders
    through the cache as a user's commands do. A test that swaps a catalogue query in memory
    turns it off (``no_render_cache``): the swap changes no file the cache keys on."""
    old = os.environ.get("AIBRIDGE_CACHE_DIR")
    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is a directory of the session's.
    session = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    os.environ["AIBRIDGE_CACHE_DIR"] = str(session / "render-cache")
    yield
    if old is None:
        os.environ.pop("AIBRIDGE_CACHE_DIR", None)
    else:
        os.environ["AIBRIDGE_CACHE_DIR"] = old


@pytest.fixture
def no_render_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Renders of this test go through the renderer itself, not the render cache."""
    monkeypatch.setenv("AIBRIDGE_CACHE_DIR", "")


@pytest.fixture(autouse=True)
def no_terminal_size_from_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are drawn as for a pipe (200 columns) unless a test sets ``COLUMNS`` itself: the
    runner's own (a shell's export, or 80 in a pytest-xdist worker) must not change what is shown."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs two workers), every Spark test goes to one worker, so
    that the run starts one JVM for the local session and one Connect server, not one per worker.
    They are collected first, so that their worker starts on them (the longest share of the run)
    while the other takes every other test.

    The tests that edit the server's pg_hba.conf (fixture ``password_role``) go to one worker too:
    two of them reading and rewriting it at once left it empty, and the server then refused
    every connection of the run."""
    for item in items:
        if item.get_closest_marker("spark") is not None:
            item.add_marker(pytest.mark.xdist_group("spark"))
        elif "password_role" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("pg_hba"))
    items.sort(key=lambda item: item.get_closest_marker("spark") is None)


def _spark_required() -> bool:
    return os.environ.get("AIBRIDGE_REQUIRE_SPARK") == "1" or bool(os.environ.get("CI"))


#: The tests' data is a few hundred rows, where planning costs more than running: one partition
#: per stage plans and runs about twice as fast as two, and without adaptive re-planning per stage
#: and with expressions interpreted rather than compiled to Java, the sweep of every query took
#: 85 s instead of 117 s in one warm JVM, and its first run 122 s (measured here). No settings
#: for real data: the results are Spark's either way, and production keeps Spark's defaults.
SPARK_TEST_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


@pytest.fixture(scope="session")
def spark_session():
    """The one Spark session of the test run (local mode), shared by every Spark test.

    Without Java or PySpark the Spark tests skip locally, and fail under CI or
    AIBRIDGE_REQUIRE_SPARK=1 (`make test`), so that a Spark that cannot start is never a pass.
    """
    from aibridge_analytics.errors import AibridgeError
    from aibridge_analytics.sources import spark

    spark.LOCAL_CONF.update(SPARK_TEST_CONF)
    try:
        return spark.session()
    except AibridgeError as exc:
        if _spark_required():
            pytest.fail(f"Spark is required but cannot start: {exc}")
        pytest.skip(f"no Spark: {exc}")


#: The longest a Spark Connect server may take to start (a JVM on a busy 2-core machine).
CONNECT_START_SECONDS = 240


@pytest.fixture(scope="session")
def spark_connect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL (``sc://127.0.0.1:PORT``) of the test run's Spark Connect server: PySpark's own
    jars and ``spark-submit``, local mode, loopback, a free port; stopped at the end whatever happens.

    It runs as the user the tests run as (root included: Spark does not refuse it). Its log is
    in the run's temporary directory. Without Java or PySpark's Connect client the tests that take
    it skip locally, and fail under CI or AIBRIDGE_REQUIRE_SPARK=1.
    """
    try:
        import pyspark
        from pyspark.sql.connect.utils import check_dependencies

        check_dependencies()
    except ImportError as exc:
        _spark_unavailable(f"no Spark Connect client: {exc}")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _spark_unavailable("no Java runtime for the Spark Connect server")
    from aibridge_analytics.sources import spark

    home = Path(pyspark.__file__).parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = {
        **spark.SESSION_CONF,
        **spark.LOCAL_CONF,
        **SPARK_TEST_CONF,
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
    }
    argv = [str(home / "bin" / "spark-submit"), "--master", "local[1]", "--name", "aibridge-analytics tests"]
    argv += [arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")]
    argv += ["--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    env.pop(spark.REMOTE_ENV, None)
    log = tmp_path_factory.mktemp("spark-connect") / "server.log"
    with log.open("wb") as out:
        # A process group of its own: spark-submit's shell scripts exec the JVM, and all go together.
        server = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + CONNECT_START_SECONDS
        while not _listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace").strip().splitlines()[-3:]
                _spark_unavailable(f"the Spark Connect server did not start (log {log}): {' | '.join(tail)}")
            time.sleep(0.5)
        yield f"sc://127.0.0.1:{port}"
    finally:
        _stop_group(server)


@dataclass(frozen=True)
class Standalone:
    """A Spark standalone cluster: its master's URL, and its worker's log (which names each
    executor the worker was asked to launch)."""

    url: str
    worker_log: Path


@pytest.fixture(scope="session")
def spark_standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    """A Spark standalone cluster for the run (``spark://127.0.0.1:PORT``): PySpark's own master
    and one worker (one core, 1 GB), on loopback and free ports, stopped at the end whatever
    happens. Without Java the tests that take it skip locally and fail under CI or
    AIBRIDGE_REQUIRE_SPARK=1."""
    try:
        import pyspark
    except ImportError as exc:
        _spark_unavailable(f"no PySpark: {exc}")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _spark_unavailable("no Java runtime for the Spark standalone cluster")
    from aibridge_analytics.sources import spark

    home = Path(pyspark.__file__).parent
    folder = tmp_path_factory.mktemp("spark-standalone")
    port, master_ui, worker_ui = _free_ports(3)
    url = f"spark://127.0.0.1:{port}"
    env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1"}
    env.pop(spark.REMOTE_ENV, None)
    daemons = {
        "master": ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port)]
        + ["--webui-port", str(master_ui)],
        "worker": ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1", "--memory", "1g"]
        + ["--webui-port", str(worker_ui), "--work-dir", str(folder / "work"), url],
    }
    started: list[subprocess.Popen[bytes]] = []
    try:
        for name, argv in daemons.items():
            log = folder / f"{name}.log"
            with log.open("wb") as out:
                started.append(
                    subprocess.Popen(
                        [str(home / "bin" / "spark-class"), *argv],
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=env,
                        start_new_session=True,
                    )
                )
            deadline = time.monotonic() + CONNECT_START_SECONDS
            ready = partial(_listening, port) if name == "master" else partial(_says, log, "registered with master")
            while not ready():
                if started[-1].poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace").strip().splitlines()[-3:]
                    _spark_unavailable(f"the Spark standalone {name} did not start (log {log}): {' | '.join(tail)}")
                time.sleep(0.5)
        yield Standalone(url, folder / "worker.log")
    finally:
        for process in reversed(started):
            _stop_group(process)


def _says(log: Path, text: str) -> bool:
    return text in log.read_text(errors="replace")


def _free_ports(count: int) -> list[int]:
    """``count`` distinct ports of loopback that nothing listens on now."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` and its process group: politely, then not."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, None)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _spark_unavailable(why: str) -> NoReturn:
    if _spark_required():
        pytest.fail(f"Spark is required but {why}")
    pytest.skip(why)
