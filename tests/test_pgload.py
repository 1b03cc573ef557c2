"""Loading Coder's tables into the real PostgreSQL server: types, nasty text, NULLs, chunking."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import duckdb
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from aibridge_analytics.coder import (
    CREDENTIAL_KINDS,
    PROVIDER_TYPES,
    SESSION_KEYS,
    TABLES,
)
from aibridge_analytics.demo.pgload import copy_warehouse_to_postgres, load_postgres
from aibridge_analytics.errors import UsageError
from aibridge_analytics.warehouse import store

pytestmark = pytest.mark.postgres

UTC = dt.UTC
T0 = dt.datetime(2025, 3, 30, 23, 59, 59, 123456, tzinfo=UTC)

#: Text that breaks naive quoting in SQL, psycopg placeholders, CSV and COPY's text format.
NASTY = [
    "",
    "plain",
    "it's",
    'say "hi"',
    '""',
    "100%",
    "%(name)s %s %%",
    "$$ $1 $tag$",
    "a;b; DROP TABLE ai_providers; --",
    "/* comment */",
    "tab\there",
    "new\nline",
    "crlf\r\nend",
    "back\\slash",
    "\\.",
    "a\n\\.\nb",
    "\\N",
    "NULL",
    "null",
    ",",
    "\\",
    "ends with \\",
    "unicode ☃ é 漢字 🚀 \u00a0 \u200b",
    "x" * 5000,
]


def _id(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts))))


def _short(s: str, n: int) -> str:
    return s[:n]


def nasty_dataset() -> dict[str, pl.DataFrame]:
    """Every Coder table, every column type, NASTY text in every text column, NULLs where allowed."""
    n = len(NASTY)
    ts = pl.Datetime("us", "UTC")
    providers = pl.DataFrame(
        {
            "id": [_id("p", i) for i in range(len(PROVIDER_TYPES))],
            "type": list(PROVIDER_TYPES),
            "name": [f"p-{i}" for i in range(len(PROVIDER_TYPES))],
            "display_name": [None if i % 3 == 0 else NASTY[i] for i in range(len(PROVIDER_TYPES))],
            "enabled": [i % 2 == 0 for i in range(len(PROVIDER_TYPES))],
            "deleted": [i % 4 == 0 for i in range(len(PROVIDER_TYPES))],
            "base_url": [f"https://h{i}.example/v1?q=%s&x=$$" for i in range(len(PROVIDER_TYPES))],
            "settings": [None if i % 2 else json.dumps({"k": NASTY[i]}) for i in range(len(PROVIDER_TYPES))],
            "created_at": [T0 - dt.timedelta(days=i) for i in range(len(PROVIDER_TYPES))],
            "updated_at": [T0 + dt.timedelta(microseconds=i) for i in range(len(PROVIDER_TYPES))],
        },
        schema_overrides={"created_at": ts, "updated_at": ts},
    )
    ids = [_id("i", i) for i in range(n)]
    interceptions = pl.DataFrame(
        {
            "id": ids,
            "initiator_id": [_id("u", i % 3) for i in range(n)],
            "provider": [("openai", "anthropic", "copilot", "bedrock")[i % 4] for i in range(n)],
            "provider_name": NASTY,
            "provider_id": [None if i % 3 == 0 else _id("p", i % 11) for i in range(n)],
            "model": list(reversed(NASTY)),
            "started_at": [T0 + dt.timedelta(seconds=i) for i in range(n)],
            "ended_at": [None if i % 5 == 0 else T0 + dt.timedelta(seconds=i, milliseconds=1) for i in range(n)],
            "metadata": [
                None if i % 4 == 0 else json.dumps({"user_agent": s, "n": i, "nested": [None, True, s]})
                for i, s in enumerate(NASTY)
            ],
            "api_key_id": [None if i % 2 else s for i, s in enumerate(NASTY)],
            "client": [None if i % 6 == 0 else _short(s, 64) for i, s in enumerate(NASTY)],
            "thread_parent_id": [None if i % 2 else ids[max(i - 1, 0)] for i in range(n)],
            "thread_root_id": [None if i % 3 else ids[0] for i in range(n)],
            "client_session_id": [None if i % 4 else _short(s, 256) for i, s in enumerate(NASTY)],
            "credential_kind": [(*CREDENTIAL_KINDS, None)[i % 3] for i in range(n)],
            "credential_hint": [None if i % 2 else _short(s, 15) for i, s in enumerate(NASTY)],
        },
        schema_overrides={"started_at": ts, "ended_at": ts},
    )
    token_usages = pl.DataFrame(
        {
            "id": [_id("t", i) for i in range(n)],
            "interception_id": ids,
            "provider_response_id": NASTY,
            "input_tokens": [i * 1_000_000_007 for i in range(n)],
            "output_tokens": [0] * (n - 1) + [2**62],
            "cache_read_input_tokens": list(range(n)),
            "cache_write_input_tokens": [0] * n,
            "metadata": [None if i % 2 else json.dumps({"s": s}) for i, s in enumerate(NASTY)],
            "created_at": [T0 + dt.timedelta(minutes=i) for i in range(n)],
        },
        schema_overrides={"created_at": ts},
    )
    user_prompts = pl.DataFrame(
        {
            "id": [_id("up", i) for i in range(n)],
            "interception_id": ids,
            "provider_response_id": list(reversed(NASTY)),
            "prompt": NASTY,
            "metadata": [json.dumps([s]) for s in NASTY],
            "created_at": [T0] * n,
        },
        schema_overrides={"created_at": ts},
    )
    tool_usages = pl.DataFrame(
        {
            "id": [_id("tu", i) for i in range(n)],
            "interception_id": ids,
            "provider_response_id": NASTY,
            "server_url": [None if i % 2 else s for i, s in enumerate(NASTY)],
            "tool": NASTY,
            "input": list(reversed(NASTY)),
            "injected": [i % 2 == 0 for i in range(n)],
            "invocation_error": [None if i % 3 else s for i, s in enumerate(NASTY)],
            "metadata": [None] * n,
            "created_at": [T0] * n,
        },
        schema_overrides={"created_at": ts, "metadata": pl.String},
    )
    model_thoughts = pl.DataFrame(
        {
            "interception_id": ids + ids[:2],
            "content": NASTY + NASTY[:2],
            "metadata": [None] * (n + 2),
            "created_at": [T0] * (n + 2),
        },
        schema_overrides={"created_at": ts, "metadata": pl.String},
    )
    return {
        "ai_providers": providers,
        "aibridge_interceptions": interceptions,
        "aibridge_token_usages": token_usages,
        "aibridge_user_prompts": user_prompts,
        "aibridge_tool_usages": tool_usages,
        "aibridge_model_thoughts": model_thoughts,
    }


def _norm(value: object, json_column: bool) -> object:
    """One representation for a value read from PostgreSQL, DuckDB or Polars."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC)
    if json_column:
        # jsonb re-serialises (key order, spacing): compare the JSON values, not the text.
        parsed = json.loads(value) if isinstance(value, str) else value
        return json.dumps(parsed, sort_keys=True)
    return value


def _rows(rows: list[tuple], table: str, columns: list[str]) -> list[tuple]:
    json_cols = {c.name for c in TABLES[table] if c.postgres == "jsonb"}
    normalised = [tuple(_norm(v, c in json_cols) for v, c in zip(row, columns, strict=True)) for row in rows]
    return sorted(normalised, key=repr)


def pg_rows(conn, schema: str, table: str, columns: list[str]) -> list[tuple]:
    query = sql.SQL("SELECT {} FROM {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(schema, table)
    )
    return _rows(conn.execute(query).fetchall(), table, columns)


def frame_rows(frame: pl.DataFrame, table: str) -> list[tuple]:
    return _rows(frame.rows(), table, frame.columns)


def test_round_trip_every_table_and_type(pg_schema):
    data = nasty_dataset()
    load_postgres(pg_schema.conn, data)
    for table, frame in data.items():
        got = pg_rows(pg_schema.conn, pg_schema.name, table, frame.columns)
        assert got == frame_rows(frame, table), table


def test_columns_have_coders_types(pg_schema):
    load_postgres(pg_schema.conn, {})
    cols = {
        (t, c): (data_type, udt_schema, udt_name, generated)
        for t, c, data_type, udt_schema, udt_name, generated in pg_schema.conn.execute(
            "SELECT table_name, column_name, data_type, udt_schema, udt_name, is_generated "
            "FROM information_schema.columns WHERE table_schema = %(s)s",
            {"s": pg_schema.name},
        )
    }
    assert cols[("ai_providers", "type")] == ("USER-DEFINED", pg_schema.name, "ai_provider_type", "NEVER")
    assert cols[("aibridge_interceptions", "credential_kind")][1:3] == (pg_schema.name, "credential_kind")
    assert cols[("aibridge_interceptions", "metadata")][0] == "jsonb"
    assert cols[("aibridge_interceptions", "id")][0] == "uuid"
    assert cols[("aibridge_interceptions", "started_at")][0] == "timestamp with time zone"
    assert cols[("aibridge_interceptions", "client")][0] == "character varying"
    assert cols[("aibridge_interceptions", "session_id")][3] == "ALWAYS"
    labels = pg_schema.conn.execute("SELECT enum_range(NULL::ai_provider_type)::text[]").fetchone()[0]
    assert tuple(labels) == PROVIDER_TYPES
    assert {t for t, _ in cols} == set(TABLES)


def test_primary_keys_and_indexes_exist_after_load(pg_schema):
    load_postgres(pg_schema.conn, nasty_dataset())
    pkeys = {
        r[0]
        for r in pg_schema.conn.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint c JOIN pg_namespace n "
            "ON n.oid = c.connamespace WHERE n.nspname = %(s)s AND contype = 'p'",
            {"s": pg_schema.name},
        )
    }
    assert pkeys == {t for t in TABLES if t != "aibridge_model_thoughts"}
    indexes = {
        r[0]
        for r in pg_schema.conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %(s)s", {"s": pg_schema.name}
        )
    }
    assert "idx_aibridge_interceptions_started_id_desc" in indexes
    analysed = pg_schema.conn.execute(
        "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = %(s)s AND last_analyze IS NOT NULL",
        {"s": pg_schema.name},
    ).fetchone()[0]
    assert analysed == len(TABLES)


def test_generated_session_id_matches_coder_and_duckdb(pg_schema):
    frame = nasty_dataset()["aibridge_interceptions"]
    load_postgres(pg_schema.conn, {"aibridge_interceptions": frame})
    got = dict(pg_schema.conn.execute("SELECT id::text, session_id FROM aibridge_interceptions").fetchall())

    coder = {
        r["id"]: r["client_session_id"] if r["client_session_id"] is not None else (r["thread_root_id"] or r["id"])
        for r in frame.iter_rows(named=True)
    }
    duck = store.configure(duckdb.connect())
    store.create_schema(duck)
    duck.register("frame", frame)
    duck.execute("INSERT INTO aibridge_interceptions BY NAME SELECT * FROM frame")
    session_id = "COALESCE(" + ", ".join(f"CAST({k} AS VARCHAR)" for k in SESSION_KEYS) + ")"
    in_duckdb = dict(duck.execute(f"SELECT CAST(id AS VARCHAR), {session_id} FROM aibridge_interceptions").fetchall())

    assert got == coder == in_duckdb
    assert len(set(got.values())) > 3, "the data should exercise all three COALESCE branches"


def test_session_id_column_in_a_frame_is_ignored(pg_schema):
    frame = nasty_dataset()["aibridge_interceptions"].head(3).with_columns(session_id=pl.lit("bogus"))
    load_postgres(pg_schema.conn, {"aibridge_interceptions": frame})
    assert "bogus" not in {r[0] for r in pg_schema.conn.execute("SELECT session_id FROM aibridge_interceptions")}


def test_missing_optional_columns_load_as_coder_defaults(pg_schema):
    optional = [c for c in TABLES["aibridge_interceptions"] if c.optional]
    frame = nasty_dataset()["aibridge_interceptions"].drop([c.name for c in optional])
    load_postgres(pg_schema.conn, {"aibridge_interceptions": frame})
    # A column Coder gives a default gets it (as an older writer's rows would); the rest are NULL.
    expected = sql.SQL(" AND ").join(
        sql.SQL("{} IS NULL").format(sql.Identifier(c.name))
        if c.default is None
        else sql.SQL("{} = {}").format(sql.Identifier(c.name), sql.SQL(c.default))
        for c in optional
    )
    matching = pg_schema.conn.execute(
        sql.SQL("SELECT count(*) FROM aibridge_interceptions WHERE {}").format(expected)
    ).fetchone()[0]
    assert matching == frame.height


def test_arrow_tables_and_odd_arrow_types(pg_schema):
    ids = [uuid.uuid4() for _ in range(3)]
    table = pa.table(
        {
            "interception_id": pa.array([u.bytes for u in ids], pa.binary(16)),
            "content": pa.array(["a", "", "b"], pa.string()).dictionary_encode(),
            "metadata": pa.array([{"k": "v$$"}, None, {"k": "%"}], pa.struct([("k", pa.string())])),
            # Naive timestamps are UTC; nanoseconds round to PostgreSQL's microseconds.
            "created_at": pa.array([1_700_000_000_000_000_123, 0, 1_000_000_000], pa.timestamp("ns")),
        }
    )
    load_postgres(pg_schema.conn, {"aibridge_model_thoughts": table})
    got = pg_schema.conn.execute(
        "SELECT interception_id, content, metadata, created_at FROM aibridge_model_thoughts ORDER BY created_at DESC"
    ).fetchall()
    assert got[0] == (ids[0], "a", {"k": "v$$"}, dt.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC))
    assert got[1][:3] == (ids[2], "b", {"k": "%"})
    assert got[2][:3] == (ids[1], "", None)
    assert got[2][3] == dt.datetime(1970, 1, 1, tzinfo=UTC)


def test_explicit_schema_leaves_the_connections_search_path(new_pg_schema):
    caller, target = new_pg_schema(), new_pg_schema()
    with caller.conn.transaction():
        load_postgres(caller.conn, {"ai_providers": nasty_dataset()["ai_providers"]}, schema=target.name)
        assert caller.conn.execute("SHOW search_path").fetchone()[0] == caller.name
    assert target.conn.execute("SELECT count(*) FROM ai_providers").fetchone()[0] == len(PROVIDER_TYPES)
    assert (
        caller.conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %(s)s", {"s": caller.name}
        ).fetchone()[0]
        == 0
    )


def test_a_failed_load_leaves_nothing_behind(pg_schema):
    providers = nasty_dataset()["ai_providers"]
    duplicated = pl.concat([providers, providers.head(1)])
    with pytest.raises(Exception, match="ai_providers_pkey"):
        load_postgres(pg_schema.conn, {"ai_providers": duplicated})
    assert (
        pg_schema.conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(s)s",
            {"s": pg_schema.name},
        ).fetchone()[0]
        == 0
    )
    load_postgres(pg_schema.conn, {"ai_providers": providers})


def test_an_unknown_enum_label_is_refused(pg_schema):
    providers = nasty_dataset()["ai_providers"].head(1).with_columns(type=pl.lit("not-a-type"))
    with pytest.raises(Exception, match="ai_provider_type"):
        load_postgres(pg_schema.conn, {"ai_providers": providers})


@pytest.mark.parametrize(
    "tables, message",
    [
        ({"user_accounts": pl.DataFrame({"id": ["x"]})}, "unknown Coder table 'user_accounts'"),
        ({"ai_providers": pl.DataFrame({"colour": ["x"]})}, "no column"),
    ],
)
def test_bad_input_is_a_usage_error(pg_schema, tables, message):
    with pytest.raises(UsageError, match=message):
        load_postgres(pg_schema.conn, tables)


def test_refuses_a_schema_that_already_has_the_tables(pg_schema):
    load_postgres(pg_schema.conn, {})
    with pytest.raises(UsageError, match="already has Coder's tables"):
        load_postgres(pg_schema.conn, {})


def _duck_warehouse(data: dict[str, pl.DataFrame]) -> duckdb.DuckDBPyConnection:
    con = store.configure(duckdb.connect())
    store.create_schema(con)
    for table, frame in data.items():
        con.register("frame", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
        con.unregister("frame")
    return con


@pytest.mark.parametrize("chunk_rows", [1, 7, 1_000_000])
def test_copy_warehouse_round_trips(pg_schema, chunk_rows):
    data = nasty_dataset()
    duck = _duck_warehouse(data)
    counts = copy_warehouse_to_postgres(duck, pg_schema.conn, chunk_rows=chunk_rows)
    assert counts == {t: data[t].height if t in data else 0 for t in TABLES}
    for table, columns in TABLES.items():
        names = [c.name for c in columns]
        expected = _rows(duck.execute(f"SELECT {', '.join(names)} FROM {table}").pl().rows(), table, names)
        assert pg_rows(pg_schema.conn, pg_schema.name, table, names) == expected, table


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/St_Johns"])
def test_copy_warehouse_keeps_instants_whatever_duckdbs_zone(pg_schema, zone):
    data = nasty_dataset()
    duck = _duck_warehouse({"aibridge_interceptions": data["aibridge_interceptions"]})
    duck.execute(f"SET TimeZone = '{zone}'")
    copy_warehouse_to_postgres(duck, pg_schema.conn)
    got = pg_rows(pg_schema.conn, pg_schema.name, "aibridge_interceptions", ["id", "started_at", "ended_at"])
    assert got == frame_rows(
        data["aibridge_interceptions"].select("id", "started_at", "ended_at"), "aibridge_interceptions"
    )


def test_copy_warehouse_from_an_older_schema(pg_schema):
    """A warehouse without the optional columns or child tables still copies."""
    duck = store.configure(duckdb.connect())
    data = nasty_dataset()
    providers, interceptions = data["ai_providers"], data["aibridge_interceptions"]
    optional = [c.name for c in TABLES["aibridge_interceptions"] if c.optional and c.nullable]
    duck.register("p", providers)
    duck.register("i", interceptions.drop(optional))
    duck.execute("CREATE TABLE ai_providers AS SELECT * FROM p")
    duck.execute("CREATE TABLE aibridge_interceptions AS SELECT * FROM i")
    counts = copy_warehouse_to_postgres(duck, pg_schema.conn, schema=pg_schema.name)
    assert counts["aibridge_interceptions"] == interceptions.height
    assert counts["aibridge_tool_usages"] == 0
    assert pg_schema.conn.execute("SELECT count(provider_id) FROM aibridge_interceptions").fetchone()[0] == 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
        min_size=1,
        max_size=8,
    )
)
def test_any_text_round_trips(new_pg_schema, texts):
    # PostgreSQL text cannot hold NUL; everything else must come back unchanged.
    target = new_pg_schema()
    frame = pl.DataFrame(
        {
            "interception_id": [_id("h", i) for i in range(len(texts))],
            "content": texts,
            "metadata": [json.dumps({"t": t}) for t in texts],
            "created_at": [T0] * len(texts),
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC")},
    )
    load_postgres(target.conn, {"aibridge_model_thoughts": frame})
    got = target.conn.execute("SELECT interception_id::text, content, metadata FROM aibridge_model_thoughts").fetchall()
    assert sorted(got) == sorted(zip(frame["interception_id"], texts, [{"t": t} for t in texts], strict=True))
