"""Coder's provider, interception and session listings, with the provider filter in two modes.

- ``coder``: the runtime semantics of Coder's PR #25606, defects included (docs/provider-filter.md):
  the provider is looked up among live providers (a soft-deleted id is refused), its name is also
  applied as a provider_name filter, and the type fallback has no uniqueness guard.
- ``strict``: exactly the rows whose attribution (README: attribution) resolves to the
  provider; soft-deleted providers are accepted so that their history stays filterable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from aibridge_analytics import periods
from aibridge_analytics.catalogue import values
from aibridge_analytics.errors import UnknownProviderError, UsageError
from aibridge_analytics.pipelines import users
from aibridge_analytics.sources.connection import Connection

MODES = ("strict", "coder")
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Filters:
    """Coder's interception filters; ``None`` means "not filtered".

    ``started_after`` and ``started_before`` are inclusive, as Coder's: ISO 8601 (without an
    offset: read in ``tz``, an IANA zone, UTC by default), an age such as ``7d`` counted back from
    ``now`` (default: the current time), or a datetime. ``period`` (one of
    :data:`aibridge_analytics.periods.PERIODS`, whole local days in ``tz``) sets both instead.
    """

    provider_id: str | None = None
    provider_name: str | None = None
    model: str | None = None
    client: str | None = None
    initiator_id: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    session_id: str | None = None
    tz: str = "UTC"
    period: str | None = None
    now: datetime | None = None

    def __post_init__(self) -> None:
        # Validate on construction, so a bad value fails before any database is touched.
        for name in ("provider_id", "initiator_id"):
            raw = getattr(self, name)
            if raw is not None:
                object.__setattr__(self, name, _uuid(raw, name))
        if self.period is not None:
            given = [n for n in ("started_after", "started_before") if getattr(self, n) is not None]
            if given:
                raise UsageError(
                    f"the period {self.period} sets the earliest and latest start: it cannot be combined "
                    f"with {' and '.join(given)}"
                ).with_cli_hint("give --period or --started-after/--started-before, not both")
            start, end = periods.period_range(self.period, self.now or datetime.now(UTC), self.tz)
            # The period excludes its end; started_before includes it, and instants are whole microseconds.
            object.__setattr__(self, "started_after", start)
            object.__setattr__(self, "started_before", end - timedelta(microseconds=1))
        for name in ("started_after", "started_before"):
            raw = getattr(self, name)
            if raw is not None:
                what = name.replace("_", "-")
                object.__setattr__(self, name, values.parse_timestamp(raw, what, now=self.now, tz=self.tz))
        if self.started_after and self.started_before and self.started_before < self.started_after:
            raise UsageError(
                f"started-before {periods.local_text(self.started_before, self.tz)} is earlier than "
                f"started-after {periods.local_text(self.started_after, self.tz)} ({self.tz})"
            )


def _uuid(raw: Any, name: str) -> str:
    try:
        return values.parse_uuid(raw, name.replace("_", "-"))
    except UsageError as exc:
        if name != "provider_id":
            raise
        # A provider's name where its id belongs: say where the ids are and what takes a name.
        refused = UsageError(f"{exc}: a provider id is a UUID; a name is filtered by provider name")
        raise refused.with_cli_hint(
            "`aibridge-analytics providers` lists the ids; --provider-name takes a name"
        ) from None


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")


def _looks_up(filters: Filters, mode: str) -> bool:
    """Whether binding ``filters`` in ``mode`` reads the source (the provider's row)."""
    return filters.provider_id is not None or (mode == "coder" and filters.provider_name is not None)


def _provider_params(con: Connection | Callable[[], Connection], filters: Filters, mode: str) -> dict[str, Any]:
    """Parameters of the mode's ``matched`` relation, looking the provider up like Coder does.

    ``con`` is the source, or a function opening it (and closed after) when a lookup needs it.
    """
    params = _unlooked_params(filters, mode)
    if not _looks_up(filters, mode):
        return params
    if isinstance(con, Connection):
        return {**params, **_looked_up(con, filters, mode)}
    with con() as opened:
        return {**params, **_looked_up(opened, filters, mode)}


def _unlooked_params(filters: Filters, mode: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "initiator_id": filters.initiator_id,
        "started_after": filters.started_after,
        "started_before": filters.started_before,
        "provider_name": filters.provider_name,
        "model": filters.model,
        "client": filters.client,
        "session_id": filters.session_id,
        "provider_id": filters.provider_id,
    }
    if mode == "coder":
        params.update(p_name=None, p_type=None)
    return params


def _looked_up(con: Connection, filters: Filters, mode: str) -> dict[str, Any]:
    """The parameters that come from the source's provider rows (Coder's lookups and refusals)."""
    if mode == "coder" and filters.provider_name is not None:
        _check_live_name(con, filters.provider_name)
    if filters.provider_id is None:
        return {}
    if not con.probe.has("ai_providers"):
        raise UsageError(
            f"cannot filter by provider id {filters.provider_id}: {con.label} has no ai_providers table "
            "(a Coder older than migration 000495); filter by provider name, the wire type there"
        ).with_cli_hint("use --provider-name")
    found = con.query("providers/get", {"provider_id": filters.provider_id})
    if found.is_empty():
        raise UnknownProviderError(f"unknown provider id {filters.provider_id}: no ai_providers row has it")
    provider = found.row(0, named=True)
    if mode == "coder":
        if provider["deleted"]:
            raise UsageError(
                f"provider {filters.provider_id} ({provider['name']}) is soft-deleted; Coder refuses to filter by it "
                "(strict mode shows its history)"
            ).with_cli_hint("use --mode strict")
        # Coder's search parser also sets provider_name to P.name whenever provider_id is given.
        return {"provider_name": provider["name"], "p_name": provider["name"], "p_type": provider["type"]}
    return {}


def _check_live_name(con: Connection, name: str) -> None:
    """Refuse, as Coder's API does (HTTP 400), a provider name no live provider holds.

    A source older than ai_providers filters the name as plain text, as Coder did then.
    """
    if not con.probe.has("ai_providers"):
        return
    holders = con.query("providers/by_name", {"name": name})
    if holders.is_empty():
        raise UnknownProviderError(
            f"unknown provider name {name!r}: no ai_providers row has it (Coder answers 400)"
        ).with_cli_hint("`aibridge-analytics providers` lists them")
    if holders["deleted"][0]:
        deleted = holders["id"][0]
        raise UsageError(
            f"provider name {name!r} belongs only to a soft-deleted provider ({deleted}); Coder refuses it "
            f"(400). Its history: strict mode, filtered by provider id {deleted}"
        ).with_cli_hint(f"--mode strict --provider-id {deleted}")


MATCHED = "matched"
"""The relation the listings read the filtered interceptions from; each mode binds its own query."""


def filter_binding(
    name: str,
    params: Mapping[str, Any],
    mode: str,
    relations: Mapping[str, str],
    connect: Callable[[], Connection],
) -> dict[str, Any]:
    """The parameters catalogue query ``name`` runs with when the listings and counts run it.

    ``params`` are given by name (``provider_id``, ``model``, ``limit``, ...). When ``name`` reads
    the ``matched`` relation, the filters among them are parsed and bound by the code
    :func:`count_interceptions` runs, provider lookup included (``connect`` opens the source,
    only when a provider must be looked up): in coder mode a provider id also binds its name and
    type (``p_name``, ``p_type``, ``provider_name``), as Coder's search parser does.
    """
    from dataclasses import fields

    from aibridge_analytics.catalogue import get
    from aibridge_analytics.catalogue.rendering import resolve_relations

    _, models = resolve_relations(get(name).tree, relations)
    if MATCHED not in {rel for rel, _ in models}:
        return dict(params)
    names = {f.name for f in fields(Filters)}
    filters = Filters(**{k: v for k, v in params.items() if k in names})
    rest = {k: v for k, v in params.items() if k not in names}
    return {**rest, **_provider_params(connect, filters, mode)}


def mode_relations(mode: str) -> dict[str, str]:
    """The relations binding ``mode``'s provider filter: ``{MATCHED: its catalogue query}``."""
    _check_mode(mode)
    return {MATCHED: f"interceptions/matched_{mode}"}


def _check_limit(limit: int) -> int:
    limit = values.parse_int(limit, "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit {limit} is outside 1..{MAX_LIMIT}")
    return limit


def list_interceptions(
    con: Connection,
    filters: Filters | None = None,
    *,
    mode: str = "strict",
    after_id: str | None = None,
    limit: int = 100,
    user_names: bool = True,
) -> pl.DataFrame:
    """One page of ended interceptions matching ``filters``, newest first (Coder's order).

    ``after_id`` is Coder's keyset cursor: the last id of the previous page; an id that names no
    interception is an error rather than an empty page. The initiator's ``initiator_username`` and
    ``initiator_name`` follow its id (NULL where the source has no users); ``user_names=False``
    leaves them out and never reads Coder's users table.
    """
    _check_mode(mode)
    filters = filters or Filters()
    limit = _check_limit(limit)
    params = _provider_params(con, filters, mode)
    if after_id is not None:
        after_id = values.parse_uuid(after_id, "after-id")
        if con.query("interceptions/cursor", {"after_id": after_id})["found"][0] == 0:
            raise UsageError(f"after-id {after_id} names no interception (a cursor must be an id from a previous page)")
    relations = {**mode_relations(mode), **users.relations(user_names)}
    frame = con.query("interceptions/list", {**params, "after_id": after_id, "limit": limit}, relations)
    return frame if user_names else users.without_names(frame)


def count_interceptions(con: Connection, filters: Filters | None = None, *, mode: str = "strict") -> int:
    """The number of ended interceptions matching ``filters``."""
    _check_mode(mode)
    params = _provider_params(con, filters or Filters(), mode)
    return int(con.query("interceptions/count", params, mode_relations(mode))["interceptions"][0])


def list_sessions(
    con: Connection,
    filters: Filters | None = None,
    *,
    mode: str = "strict",
    limit: int = 100,
    user_names: bool = True,
) -> pl.DataFrame:
    """Sessions (session_id, initiator_id) among matching interceptions, newest first, with the
    initiator's names as :func:`list_interceptions` gives them (``user_names=False``: without)."""
    _check_mode(mode)
    params = _provider_params(con, filters or Filters(), mode)
    relations = {**mode_relations(mode), **users.relations(user_names)}
    frame = con.query("sessions/list", {**params, "limit": _check_limit(limit)}, relations)
    return frame if user_names else users.without_names(frame)


def count_sessions(con: Connection, filters: Filters | None = None, *, mode: str = "strict") -> int:
    """The number of sessions among matching interceptions."""
    _check_mode(mode)
    params = _provider_params(con, filters or Filters(), mode)
    return int(con.query("sessions/count", params, mode_relations(mode))["sessions"][0])


def list_providers(con: Connection) -> pl.DataFrame:
    """Every ai_providers row, live and soft-deleted, oldest first: the ids ``--provider-id`` takes."""
    return con.query("providers/list")


__all__ = [
    "Filters",
    "MATCHED",
    "MODES",
    "count_interceptions",
    "count_sessions",
    "filter_binding",
    "list_interceptions",
    "list_providers",
    "list_sessions",
    "mode_relations",
]
