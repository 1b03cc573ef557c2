"""Running the catalogue on Apache Spark: a directory of ``<table>.parquet`` files read by Spark SQL.

The same rendered catalogue queries run here as on DuckDB and PostgreSQL (sqlglot's spark dialect),
values bound as Spark's named parameters, results brought back through Arrow as the same canonical
Polars frames. The cluster is Spark's business: ``--spark-master`` (or ``SPARK_REMOTE`` for a Spark
Connect endpoint) names it, and without one Spark runs in local mode in this process's
own JVM (``local[2]``).

A Spark Connect endpoint is reached with PySpark's Connect client itself (not the builder that
picks a kind of session): so one process can hold a local session and Connect sessions side by
side, and each source gets a server-side session of its own, released when it closes.
"""

from __future__ import annotations

import atexit
import os
import queue
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl

from aibridge_analytics.catalogue import Rendered
from aibridge_analytics.coder import TABLES
from aibridge_analytics.errors import ConnectionFailed, SourceError, SqlError, UsageError, first_line
from aibridge_analytics.sources.connection import Connection, _frame
from aibridge_analytics.warehouse.lake import PARTITION, Lake

#: Environment variable naming a Spark Connect endpoint (``sc://host:15002``), as PySpark reads it.
REMOTE_ENV = "SPARK_REMOTE"
#: Local mode when no master is named: two cores, as this tool's machines have.
LOCAL_MASTER = "local[2]"
#: Settings of the session this tool starts: UTC throughout, a modest driver, nothing printed but
#: errors, no web UI, and ANSI SQL (an overflow or a bad cast is an error, as on the other engines).
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "1g",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC -XX:+UseSerialGC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.ansi.enabled": "true",
}
#: Local mode only: one machine's few cores and small data, where planning and compiling cost more
#: than they save (a cluster keeps its own settings for these).
LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.codegen.wholeStage": "false",
}
#: Seconds to wait for a Spark Connect endpoint to answer: PySpark's own client retries an
#: unreachable server for about ten minutes before it gives up.
CONNECT_TIMEOUT = 15.0

_SESSIONS: dict[str, Any] = {}


def master_of(given: str | None = None) -> str:
    """The cluster to use: ``given`` (``--spark-master``), else ``SPARK_REMOTE``, else local mode."""
    return (given or os.environ.get(REMOTE_ENV) or "").strip() or LOCAL_MASTER


def _is_remote(master: str) -> bool:
    return master.startswith("sc://")


def _sql_conf() -> dict[str, str]:
    """The settings a Spark Connect session takes: only SQL ones (the server has its own JVM)."""
    return {key: value for key, value in SESSION_CONF.items() if key.startswith("spark.sql.")}


def _remote_session(target: str) -> Any:
    """A new Spark Connect session at ``target``, once the endpoint answers (ConnectionFailed if not).

    PySpark's generic builder refuses a Connect session beside a local one, and marks the whole
    process as Connect's when it makes one: the Connect client's own builder does neither.
    """
    try:
        import grpc
        from pyspark.sql.connect.client import DefaultChannelBuilder
        from pyspark.sql.connect.session import SparkSession as ConnectSession
        from pyspark.sql.connect.utils import check_dependencies
    except ImportError as exc:
        raise UsageError(
            f"Spark Connect needs PySpark's connect client ({first_line(exc)}): "
            "pip install 'aibridge-analytics[spark-connect]'"
        ) from None
    try:
        check_dependencies()
        channel = DefaultChannelBuilder(target).toChannel()
    except Exception as exc:  # noqa: BLE001 - PySpark's own error kinds for a bad URL or a missing module
        raise ConnectionFailed(f"cannot use Spark Connect at {target}: {first_line(exc)}") from None
    # The first attempt decides: a refused or failed connection is reported at once, not retried.
    states: queue.Queue[grpc.ChannelConnectivity] = queue.Queue()
    channel.subscribe(states.put, try_to_connect=True)
    deadline = time.monotonic() + CONNECT_TIMEOUT
    try:
        state = None
        while state not in (grpc.ChannelConnectivity.READY, grpc.ChannelConnectivity.TRANSIENT_FAILURE):
            state = states.get(timeout=max(deadline - time.monotonic(), 0.001))
    except queue.Empty:
        state = None
    finally:
        channel.unsubscribe(states.put)
        channel.close()
    if state is not grpc.ChannelConnectivity.READY:
        why = "connection failed" if state else f"no answer within {CONNECT_TIMEOUT:g} s"
        raise ConnectionFailed(f"cannot reach Spark Connect at {target}: {why}")
    builder = ConnectSession.builder.remote(target)
    for key, value in _sql_conf().items():
        builder = builder.config(key, value)
    try:
        return _closed_at_exit(builder.create())
    except Exception as exc:  # noqa: BLE001 - gRPC and the server's own errors
        raise ConnectionFailed(f"cannot use Spark Connect at {target}: {_reason(exc)}") from None


def _closed_at_exit(remote: Any) -> Any:
    """``remote`` (a Connect session) with its channel closed when the process exits.

    The Connect client's own exit hook sends the server a last request from every client still
    open, retried for minutes if the server has gone; a closed client sends none (the server drops
    idle sessions itself). Exit hooks run last-registered first, so this one runs before the client's.
    """
    atexit.register(remote.client.close)
    return remote


def _reason(exc: BaseException) -> str:
    """An error's one line; for a gRPC error, its details (its first line is only the RPC's kind)."""
    details = re.search(r'details = "([^"\n]*)"', str(exc))
    return details.group(1) if details else first_line(exc)


def session(master: str | None = None) -> Any:
    """The process's Spark session for ``master`` (started once, then shared; see `master_of`).

    A Spark that cannot start (no Java, a master that does not answer) is a one-line
    ConnectionFailed naming the cause.
    """
    target = master_of(master)
    if target in _SESSIONS:
        return _SESSIONS[target]
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "the spark engine needs PySpark: pip install 'aibridge-analytics[spark]' (and a Java 17+ runtime)"
        ) from None
    if _is_remote(target):
        _SESSIONS[target] = _remote_session(target)
        return _SESSIONS[target]
    if os.environ.get(REMOTE_ENV):
        # PySpark connects to SPARK_REMOTE whenever it is set, whatever master the builder names.
        raise UsageError(f"{REMOTE_ENV} is set, so PySpark would not use {target}: unset it, or name no master")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise ConnectionFailed(
            "cannot start Spark: no Java runtime (install openjdk-17-jre-headless, or set JAVA_HOME)"
        )
    # The driver binds to loopback in local mode, so Spark does not look up (or complain about) the host name.
    if target.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName("aibridge-analytics").master(target)
    for key, value in {**SESSION_CONF, **(LOCAL_CONF if target.startswith("local") else {})}.items():
        builder = builder.config(key, value)
    log = Path(tempfile.gettempdir()) / f"aibridge-analytics-spark-{os.getuid()}.log"
    try:
        with _output_to(log):
            spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("FATAL")
    except Exception as exc:  # noqa: BLE001 - Py4J, the JVM and gRPC raise their own kinds
        raise ConnectionFailed(f"cannot start Spark at {target}: {first_line(exc)} (Spark's log: {log})") from None
    _SESSIONS[target] = spark
    return spark


@contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Standard error sent to ``log`` while the block runs: the JVM started in it keeps writing
    there (its start-up banner and warnings), and this process's own errors stay on the terminal."""
    sys.stderr.flush()
    saved = os.dup(2)
    target = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.dup2(target, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(target)


#: Spark's type names as the probe reports them (`connection._check_types` reads them).
def _type_name(data_type: Any) -> str:
    return str(data_type.simpleString()).lower()


class SparkConnection(Connection):
    """A directory of ``<table>.parquet`` files, or a lake (its tables' Hive-partitioned
    directories), each table a temporary view of its own Spark session."""

    dialect = "spark"

    def __init__(self, directory: Path, master: str | None = None, lake: Lake | None = None) -> None:
        super().__init__()
        self.label = f"{directory} (spark {master_of(master)})"
        # A session of its own (the shared SparkContext, or the same Connect server; its own
        # temporary views), so that two sources in one process never see each other's tables.
        base = session(master)
        self._remote = _is_remote(master_of(master))
        self._spark = _closed_at_exit(base.newSession()) if self._remote else base.newSession()
        if self._remote:
            # A new Connect session starts from the server's settings, not the builder's.
            try:
                for key, value in _sql_conf().items():
                    self._spark.conf.set(key, value)
            except Exception as exc:  # noqa: BLE001 - gRPC and the server's own errors
                raise ConnectionFailed(f"cannot use Spark Connect at {master_of(master)}: {_reason(exc)}") from None
        self._views: list[str] = []
        if lake is not None:
            files = dict(lake.tables)
        else:
            files = {t: directory / f"{t}.parquet" for t in TABLES if (directory / f"{t}.parquet").exists()}
        for table, file in files.items():
            try:
                # Spark discovers a lake table's day= partitions; the rows carry their own times.
                frame = self._spark.read.parquet(str(file))
                if lake is not None and lake.partitioned(table):
                    frame = frame.drop(PARTITION)
                frame.createOrReplaceTempView(table)
            except Exception as exc:  # noqa: BLE001 - Spark's AnalysisException and Py4J errors
                raise SourceError(f"cannot read {file}: {first_line(exc)}") from None
            self._views.append(table)

    def _probe_columns(self) -> dict[str, dict[str, str]]:
        """Each view's columns and Spark types: temporary views are not in an information_schema."""
        return {
            table: {f.name: _type_name(f.dataType) for f in self._spark.table(table).schema.fields}
            for table in self._views
        }

    def _execute(self, rendered: Rendered) -> pl.DataFrame:
        with self._failing(rendered):
            return _frame(self._spark.sql(rendered.sql, args=dict(rendered.params)).toArrow())

    @contextmanager
    def _failing(self, rendered: Rendered) -> Iterator[None]:
        """Spark's errors (analysis, execution, Py4J) as the package's one-line SqlError."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - Spark raises many kinds, none a common base
            raise SqlError(f"{rendered.name} failed on Spark ({self.label}): {first_line(exc)}") from None

    def close(self) -> None:
        """Drop this source's views, or release its Connect session on the server (the shared
        local session or Connect client stays up for the next source)."""
        if self._remote:
            self._spark.stop()
            atexit.unregister(self._spark.client.close)
        else:
            for table in self._views:
                self._spark.catalog.dropTempView(table)
        self._views = []
