"""Deterministic upgrade histories: how real Coder deployments evolve, with hand-derived answers.

The demo world is one invented history; these are the shapes real deployments have (README:
attribution over a deployment's history):

- months of legacy traffic before ``ai_providers`` existed, named after the wire type by
  migration 000458 (and a few rows with an empty name);
- the upgrade that created the provider rows from the deployment's configuration, after all of
  that traffic, and migration 000507's backfill (at the upgrade, or later);
- rows written with provider_id after it;
- later changes: a soft delete followed by reuse of the name, a provider deleted for good, a
  second provider of a type, a type change;
- older deployments: no provider_id column, no ``ai_providers`` at all, no ``provider_name``.

Each :class:`Scenario` is a list of providers and segments. A segment is a run of interceptions
with the same snapshot columns over a period, and carries what strict attribution, the backfill
verification and the mainline preview must say of its rows, written by hand from the rules, not
computed by this package: the tests compare the package with these answers on DuckDB, on
PostgreSQL and through a warehouse sync.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import polars as pl
from polars.datatypes import DataTypeClass

from aibridge_analytics.coder import TABLES

__all__ = ["SCENARIOS", "Provider", "Scenario", "Segment", "scenario", "UPGRADE"]

START = datetime(2026, 1, 5, tzinfo=UTC)
"""Day 0 of every history: the oldest legacy traffic."""

UPGRADE = 120
"""The day the upgrade created the provider rows (migration 000495) and, unless a scenario says
otherwise, ran migration 000507."""

_NS = uuid.UUID("0c2a9d5e-41b7-4f6a-9e0b-6f3d2a1c7e55")

_POLARS: dict[str, pl.DataType | DataTypeClass] = {
    "UUID": pl.String,
    "VARCHAR": pl.String,
    "TIMESTAMPTZ": pl.Datetime("us", "UTC"),
    "BIGINT": pl.Int64,
    "BOOLEAN": pl.Boolean,
    "JSON": pl.String,
}


def _at(day: float) -> datetime:
    return START + timedelta(days=day)


@dataclass(frozen=True)
class Provider:
    """An ai_providers row: created on ``created`` (days after day 0), soft-deleted on ``deleted``."""

    key: str
    name: str
    type: str
    created: float = UPGRADE
    deleted: float | None = None

    def id(self, scenario: str) -> str:
        """Stable per scenario and key."""
        return str(uuid.uuid5(_NS, f"{scenario}/provider/{self.key}"))


@dataclass(frozen=True)
class Segment:
    """``count`` interceptions started evenly over ``days``, with the given snapshot columns.

    ``provider_id`` is the provider key the row holds (after 000507 where the scenario has the
    column; None = NULL). The expectations: ``method``/``resolved`` (strict attribution),
    ``klass`` (verification class), ``warnings`` (exactly these); ``mainline_*`` the same on the
    scenario's copy without the provider_id column (None: as for the full source).
    """

    label: str
    count: int
    days: tuple[float, float]
    provider: str
    provider_name: str
    provider_id: str | None
    method: str
    resolved: str | None
    klass: str
    warnings: tuple[str, ...] = ()
    mainline_method: str | None = None
    mainline_resolved: str | None = "="
    mainline_class: str | None = None
    mainline_warnings: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Scenario:
    """One deployment's history: its providers, its traffic and what the verification concludes.

    ``clean`` / ``mainline_clean``: whether ``verify-backfill`` exits 0 on it and on its copy
    without the provider_id column. ``has_providers`` False: a Coder older than ai_providers;
    ``has_provider_name`` False: older still (before 000458).
    """

    name: str
    description: str
    providers: tuple[Provider, ...]
    segments: tuple[Segment, ...]
    clean: bool = True
    mainline_clean: bool = True
    has_provider_id: bool = True
    has_providers: bool = True
    has_provider_name: bool = True
    findings: Mapping[str, str] = field(default_factory=dict)

    def provider(self, key: str | None) -> str | None:
        """The id of provider ``key`` in this scenario (None for None)."""
        if key is None:
            return None
        return next(p for p in self.providers if p.key == key).id(self.name)

    def tables(self, *, provider_id: bool | None = None) -> dict[str, pl.DataFrame]:
        """Coder's tables for this history (``provider_id=False``: the mainline copy).

        Columns and tables the scenario's Coder version lacks are left out.
        """
        keep_pid = self.has_provider_id if provider_id is None else provider_id and self.has_provider_id
        providers = [
            {
                "id": p.id(self.name),
                "type": p.type,
                "name": p.name,
                "display_name": p.name.title(),
                "enabled": p.deleted is None,
                "deleted": p.deleted is not None,
                "base_url": f"https://{p.name}.example",
                "settings": None,
                "created_at": _at(p.created),
                "updated_at": _at(p.deleted if p.deleted is not None else p.created),
            }
            for p in self.providers
        ]
        rows = []
        for seg in self.segments:
            lo, hi = seg.days
            for n in range(seg.count):
                started = _at(lo + (hi - lo) * (n + 0.5) / seg.count)
                rows.append(
                    {
                        "id": str(uuid.uuid5(_NS, f"{self.name}/{seg.label}/{n}")),
                        "initiator_id": str(uuid.uuid5(_NS, f"user/{n % 3}")),
                        "provider": seg.provider,
                        "provider_name": seg.provider_name,
                        "provider_id": self.provider(seg.provider_id),
                        "model": "m",
                        "started_at": started,
                        "ended_at": started + timedelta(seconds=30 + n % 7),
                        "metadata": None,
                        "api_key_id": None,
                        "client": "Claude Code",
                        "thread_parent_id": None,
                        "thread_root_id": None,
                        "client_session_id": None,
                        "credential_kind": None,
                        "credential_hint": None,
                    }
                )
        out = {}
        for table, cols in TABLES.items():
            if table == "ai_providers" and not self.has_providers:
                continue
            drop = {"provider_id"} if not keep_pid else set()
            if not self.has_provider_name:
                drop.add("provider_name")
            schema = {
                c.name: _POLARS[c.duckdb] for c in cols if not (table == "aibridge_interceptions" and c.name in drop)
            }
            data = providers if table == "ai_providers" else rows if table == "aibridge_interceptions" else []
            out[table] = pl.DataFrame([{c: r.get(c) for c in schema} for r in data], schema=schema, orient="row")
        return out

    def expected(self, *, mainline: bool = False) -> pl.DataFrame:
        """Per interception: method, resolved_provider_id, class and warnings (sorted) the rules give."""
        rows = []
        for seg in self.segments:
            method, resolved, klass, warnings = seg.method, seg.resolved, seg.klass, seg.warnings
            if mainline:
                method = seg.mainline_method or method
                resolved = resolved if seg.mainline_resolved == "=" else seg.mainline_resolved
                klass = seg.mainline_class or klass
                warnings = seg.mainline_warnings if seg.mainline_warnings is not None else warnings
            for n in range(seg.count):
                rows.append(
                    {
                        "interception_id": str(uuid.uuid5(_NS, f"{self.name}/{seg.label}/{n}")),
                        "segment": seg.label,
                        "method": method,
                        "resolved_provider_id": self.provider(resolved),
                        "class": klass,
                        "warnings": sorted(warnings),
                    }
                )
        return pl.DataFrame(
            rows,
            schema={
                "interception_id": pl.String,
                "segment": pl.String,
                "method": pl.String,
                "resolved_provider_id": pl.String,
                "class": pl.String,
                "warnings": pl.List(pl.String),
            },
        )


# Legacy traffic: before the upgrade, named after the wire type by 000458 (or empty).
_LEGACY = (0, UPGRADE - 1)

_OPENAI = Provider("openai", "openai", "openai")
_ANTHROPIC = Provider("anthropic", "anthropic", "anthropic")
_COPILOT = Provider("copilot", "copilot", "copilot")


def _legacy(label: str, wire: str, key: str, count: int = 6, warnings: tuple[str, ...] = ()) -> Segment:
    """Legacy rows named after the wire type, set by pass 1 at the upgrade."""
    return Segment(
        label,
        count,
        _LEGACY,
        wire,
        wire,
        key,
        "provider_id",
        key,
        "unchanged_correct",
        warnings,
        mainline_method="provider_name",
        mainline_class="attributed_by_name",
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "clean_upgrade",
        "Months of legacy traffic, the providers created at the upgrade (after all of it) and 000507 "
        "run then; rows written with provider_id since. A correct upgrade: clean.",
        (_OPENAI, _ANTHROPIC, _COPILOT),
        (
            _legacy("legacy_openai", "openai", "openai"),
            _legacy("legacy_anthropic", "anthropic", "anthropic"),
            Segment(
                "legacy_empty_copilot",
                3,
                _LEGACY,
                "copilot",
                "",
                "copilot",
                "provider_id",
                "copilot",
                "unchanged_correct",
                mainline_method="unique_type",
                mainline_class="attributed_by_unique_type",
            ),
            Segment(
                "after_upgrade",
                6,
                (UPGRADE + 1, 200),
                "anthropic",
                "anthropic",
                "anthropic",
                "provider_id",
                "anthropic",
                "unchanged_correct",
                mainline_method="provider_name",
                mainline_class="attributed_by_name",
            ),
        ),
    ),
    Scenario(
        "name_reused",
        "The anthropic provider is soft-deleted on day 150 and a new provider takes its name on day 160. "
        "000507 ran at the upgrade, so every row keeps its own provider: clean. Without the column, "
        "pass 1 would give the old rows to the new provider: the preview says so (not a discrepancy).",
        (
            _OPENAI,
            Provider("anthropic-old", "anthropic", "anthropic", deleted=150),
            Provider("anthropic-new", "anthropic", "anthropic", created=160),
        ),
        (
            _legacy("legacy_openai", "openai", "openai"),
            Segment(
                "legacy_anthropic",
                6,
                _LEGACY,
                "anthropic",
                "anthropic",
                "anthropic-old",
                "provider_id",
                "anthropic-old",
                "unchanged_correct",
                ("deleted_provider",),
                mainline_method="deleted_provider_name",
                mainline_class="backfill_would_misattribute",
                mainline_warnings=("deleted_provider", "name_reused"),
            ),
            Segment(
                "old_era",
                4,
                (UPGRADE + 1, 149),
                "anthropic",
                "anthropic",
                "anthropic-old",
                "provider_id",
                "anthropic-old",
                "unchanged_correct",
                ("deleted_provider",),
                mainline_method="deleted_provider_name",
                mainline_class="backfill_would_misattribute",
                mainline_warnings=("deleted_provider", "name_reused"),
            ),
            Segment(
                "new_era",
                4,
                (161, 200),
                "anthropic",
                "anthropic",
                "anthropic-new",
                "provider_id",
                "anthropic-new",
                "unchanged_correct",
                mainline_method="provider_name",
                mainline_class="attributed_by_name",
            ),
        ),
        findings={"backfill_would_misattribute": "mainline"},
    ),
    Scenario(
        "late_backfill",
        "The same reuse, but 000507 ran only after it (day 170): pass 1 gave every old 'anthropic' row to "
        "the new provider. Those rows are misattributed, naming both providers: exit 3.",
        (
            _OPENAI,
            Provider("anthropic-old", "anthropic", "anthropic", deleted=150),
            Provider("anthropic-new", "anthropic", "anthropic", created=160),
        ),
        (
            _legacy("legacy_openai", "openai", "openai"),
            Segment(
                "legacy_anthropic",
                6,
                _LEGACY,
                "anthropic",
                "anthropic",
                "anthropic-new",
                "provider_id",
                "anthropic-new",
                "misattributed_successor",
                ("name_reused",),
                mainline_method="deleted_provider_name",
                mainline_resolved="anthropic-old",
                mainline_class="backfill_would_misattribute",
                mainline_warnings=("deleted_provider", "name_reused"),
            ),
            Segment(
                "new_era",
                4,
                (171, 200),
                "anthropic",
                "anthropic",
                "anthropic-new",
                "provider_id",
                "anthropic-new",
                "unchanged_correct",
                mainline_method="provider_name",
                mainline_class="attributed_by_name",
            ),
        ),
        clean=False,
    ),
    Scenario(
        "provider_deleted_later",
        "The openai provider is soft-deleted on day 170 with no successor. Its rows stay its own, "
        "legacy ones included: nothing moves to unattributed.",
        (Provider("openai", "openai", "openai", deleted=170), _ANTHROPIC),
        (
            Segment(
                "legacy_openai",
                6,
                _LEGACY,
                "openai",
                "openai",
                "openai",
                "provider_id",
                "openai",
                "unchanged_correct",
                ("deleted_provider",),
                mainline_method="deleted_provider_name",
                mainline_class="left_null_deleted_provider",
            ),
            Segment(
                "legacy_empty_openai",
                3,
                _LEGACY,
                "openai",
                "",
                "openai",
                "provider_id",
                "openai",
                "unchanged_correct",
                ("deleted_provider",),
                mainline_method="unique_type",
                mainline_class="left_null_no_live_provider",
            ),
            _legacy("legacy_anthropic", "anthropic", "anthropic"),
        ),
    ),
    Scenario(
        "second_provider_of_type",
        "A second anthropic provider is added on day 150. Legacy rows with an empty name had one "
        "anthropic provider at the upgrade (pass 2 set them) and keep it; today the type is ambiguous.",
        (_OPENAI, _ANTHROPIC, Provider("anthropic-research", "anthropic-research", "anthropic", created=150)),
        (
            # Two live providers speak the anthropic wire format now: evidence that names only it
            # is flagged, on either source.
            Segment(
                "legacy_empty_anthropic",
                4,
                _LEGACY,
                "anthropic",
                "",
                "anthropic",
                "provider_id",
                "anthropic",
                "unchanged_correct",
                ("wire_family_ambiguous",),
                mainline_method="unique_type",
                mainline_class="left_null_ambiguous_type",
            ),
            _legacy("legacy_anthropic", "anthropic", "anthropic", warnings=("wire_family_ambiguous",)),
            Segment(
                "research",
                4,
                (151, 200),
                "anthropic",
                "anthropic-research",
                "anthropic-research",
                "provider_id",
                "anthropic-research",
                "unchanged_correct",
                mainline_method="provider_name",
                mainline_class="attributed_by_name",
            ),
        ),
    ),
    Scenario(
        "type_change",
        "The anthropic provider becomes bedrock on day 150 (Coder's startup job). provider_id keeps "
        "its rows; without the column nothing tells the old type, so today's providers decide: the "
        "empty-name legacy rows find no anthropic provider.",
        (_OPENAI, Provider("claude", "claude", "bedrock")),
        (
            Segment(
                "legacy_empty_anthropic",
                4,
                _LEGACY,
                "anthropic",
                "",
                "claude",
                "provider_id",
                "claude",
                "unchanged_correct",
                mainline_method="no_live_provider",
                mainline_resolved=None,
                mainline_class="left_null_no_live_provider",
            ),
            _legacy("legacy_openai", "openai", "openai"),
            Segment(
                "after",
                4,
                (151, 200),
                "anthropic",
                "claude",
                "claude",
                "provider_id",
                "claude",
                "unchanged_correct",
                mainline_method="provider_name",
                mainline_class="attributed_by_name",
            ),
        ),
    ),
    Scenario(
        "pre_ai_providers",
        "A Coder older than migration 000495: no ai_providers, no provider_id. Rows are attributed by "
        "wire type; verify-backfill previews the whole upgrade.",
        (),
        (
            Segment("openai", 5, (0, 200), "openai", "openai", None, "wire_type", None, "awaiting_providers"),
            Segment("anthropic", 5, (0, 200), "anthropic", "anthropic", None, "wire_type", None, "awaiting_providers"),
            Segment("copilot_empty", 2, (0, 200), "copilot", "", None, "wire_type", None, "awaiting_providers"),
        ),
        has_provider_id=False,
        has_providers=False,
        findings={"no_ai_providers_table": "info"},
    ),
    Scenario(
        "pre_provider_name",
        "Older still: no provider_name either (before 000458). It reads as the wire type, as 000458 would write it.",
        (),
        (
            Segment("openai", 4, (0, 200), "openai", "openai", None, "wire_type", None, "awaiting_providers"),
            Segment("anthropic", 4, (0, 200), "anthropic", "anthropic", None, "wire_type", None, "awaiting_providers"),
        ),
        has_provider_id=False,
        has_providers=False,
        has_provider_name=False,
    ),
    Scenario(
        "copilot_pass_2",
        "Legacy copilot rows with an empty name reach pass 2, and no copilot provider exists. Whether the "
        "migration aborts there depends on whether 000506 (enum value copilot) ran in an earlier "
        "upgrade: the source's enum labels decide (an error only when they lack copilot).",
        (_OPENAI, _ANTHROPIC),
        (
            _legacy("legacy_openai", "openai", "openai"),
            Segment(
                "legacy_empty_copilot",
                3,
                _LEGACY,
                "copilot",
                "",
                None,
                "no_live_provider",
                None,
                "left_null_no_live_provider",
            ),
        ),
        findings={"copilot_same_transaction": "mainline"},
    ),
)
"""Every history, in the order the README and notebook tell them."""


def scenario(name: str) -> Scenario:
    """The scenario called ``name``."""
    for s in SCENARIOS:
        if s.name == name:
            return s
    raise KeyError(name)
