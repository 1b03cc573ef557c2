"""Coder users' names beside initiator ids: where they come from, and how they are withheld.

Names come from Coder's ``users`` table (a live database, a Parquet directory's ``users.parquet``,
a warehouse a sync filled), or from the ``initiator`` objects of a JSON export. Only ``id``,
``username``, ``name`` (the display name) and ``deleted`` are ever read. A source without them
gives NULL names; nothing fails.

Names are looked up, never grouped on: a summary by initiator is keyed by the id, so a user renamed
within the range stays one group, shown with the current name. With ``user_names=False`` the
catalogue's ``user_names`` relation is bound to an empty one (``sql/users/withheld.sql``): Coder's
users table is not read at all, and the name columns are left out of every result.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from aibridge_analytics.sources.connection import Connection

#: The columns a result gains beside ``initiator_id``, in output order.
NAME_COLUMNS = ("initiator_username", "initiator_name")

#: The catalogue relation the listings join for names, and the query that withholds them.
RELATION = "user_names"
WITHHELD = "users/withheld"


def relations(user_names: bool) -> dict[str, str]:
    """Relation bindings for a query that joins ``user_names``: none to add, or the empty one."""
    return {} if user_names else {RELATION: WITHHELD}


def without_names(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without the name columns (what ``--no-user-names`` outputs)."""
    return frame.drop([c for c in NAME_COLUMNS if c in frame.columns])


def lookup(con: Connection, user_names: bool = True) -> pl.DataFrame:
    """Every user's names as ``initiator_id``, ``initiator_username``, ``initiator_name``,
    ``initiator_deleted`` (no rows without a users table, or with ``user_names=False``)."""
    found = con.query("users/names", relations=relations(user_names))
    return found.select(
        pl.col("user_id").alias("initiator_id"),
        pl.col("username").alias("initiator_username"),
        pl.col("name").alias("initiator_name"),
        pl.col("deleted").alias("initiator_deleted"),
    )


def named(
    con: Connection, frame: pl.DataFrame, user_names: bool = True, names: pl.DataFrame | None = None
) -> pl.DataFrame:
    """``frame`` (with an ``initiator_id`` column) with the initiator's names right after the id.

    A left join on the id alone: rows, their order and every other column stay as they were.
    Without ``user_names`` the frame is returned unchanged. ``names`` is a :func:`lookup` already
    made (a report labels several frames with one).
    """
    if not user_names or "initiator_id" not in frame.columns:
        return frame
    table = lookup(con) if names is None else names
    joined = frame.join(
        table.select("initiator_id", *NAME_COLUMNS), on="initiator_id", how="left", maintain_order="left"
    )
    at = frame.columns.index("initiator_id") + 1
    order = [*frame.columns[:at], *NAME_COLUMNS, *frame.columns[at:]]
    return joined.select(order)


def labels(names: pl.DataFrame) -> Mapping[str, str]:
    """initiator id -> how a report shows the user: ``username (Name)``, ``username`` without a
    display name, with `` (deleted)`` for a deleted user, whose username another user may hold now."""
    shown = {}
    for row in names.iter_rows(named=True):
        text = row["initiator_username"] or ""
        if row["initiator_name"]:
            text = f"{text} ({row['initiator_name']})" if text else row["initiator_name"]
        if text and row["initiator_deleted"]:
            text += " (deleted)"
        if text:
            shown[row["initiator_id"]] = text
    return shown
