"""A deterministic demo history of an AI Bridge deployment, with every attribution edge case planted.

The demo world is anchored to a fixed instant (:data:`ANCHOR`) and holds :data:`HISTORY_DAYS` days
of interceptions, so part of it lies beyond Coder's 60-day retention. Migration 000507 (the
provider_id backfill, docs/coder-data-model.md) is simulated at :data:`MIGRATION_INSTANT` against the
provider state of that instant; rows written later carry the provider id the server wrote.

Every interception has one primary ``edge_case`` label (:data:`PLANTED_EDGE_CASES`, ``typical`` for
ordinary rows) and a ground-truth row in ``demo_ground_truth``: the provider that truly served it,
the strict-mode method (README: attribution) the attribution must report for it, the provider that method
resolves to, and the method a database without the provider_id column would give. These
expectations are computed here, in Python, from the planted provider state (:func:`strict_method`),
independently of the attribution SQL that is tested against them.

Generation is chunked (:data:`DEFAULT_CHUNK_SIZE` interceptions per chunk) and vectorised with
numpy; chunk ``k`` draws from ``np.random.default_rng((seed, k, stream))`` only, so each chunk is
deterministic on its own and memory stays bounded however many interceptions are asked for.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from aibridge_analytics.catalogue.rendering import render_statement
from aibridge_analytics.coder import PRICE_KINDS, TABLES, WIRE_FORMAT, Column, arrow_schema, duckdb_ddl
from aibridge_analytics.errors import UsageError
from aibridge_analytics.pipelines.attribution import METHODS
from aibridge_analytics.warehouse import facts, store

__all__ = [
    "ANCHOR",
    "DEFAULT_CHUNK_SIZE",
    "DemoProvider",
    "DemoSummary",
    "EdgeCase",
    "GENERATOR_VERSION",
    "HISTORY_DAYS",
    "DEMO_METHODS",
    "MIGRATION_INSTANT",
    "MIN_INTERCEPTIONS",
    "PLANTED_EDGE_CASES",
    "PROVIDERS",
    "build_demo",
    "demo_tables",
    "generate",
    "planned_counts",
    "strict_method",
]

#: Where the demo generator keeps the provider that truly served each interception. Not a
#: Coder table: it is ground truth kept apart from everything Coder can see.
GROUND_TRUTH_TABLE = "demo_ground_truth"
GROUND_TRUTH_COLUMNS = (
    Column("interception_id", "UUID", "uuid", nullable=False),
    Column("true_provider_id", "UUID", "uuid"),
    Column("edge_case", "VARCHAR", "text"),
    # The strict-mode method (README: attribution) the attribution must give this row, the provider id it
    # must resolve to, and the method a database without the provider_id column would give.
    Column("expected_method", "VARCHAR", "text"),
    Column("expected_provider_id", "UUID", "uuid"),
    Column("expected_method_without_provider_id", "VARCHAR", "text"),
)

GENERATOR_VERSION = "4"

ANCHOR = datetime(2026, 11, 23, tzinfo=UTC)
"""The end of the demo history ("now" for the demo world). Nothing starts or ends after it."""

HISTORY_DAYS = 90
"""Days of history before :data:`ANCHOR`; the oldest 30 lie beyond Coder's 60-day retention."""

MIGRATION_INSTANT = ANCHOR - timedelta(days=40)
"""When migration 000507 ran: rows started earlier got provider_id from its two passes."""

_REPLICA_DAYS = (34, 31)
"""Days before the anchor (start, end) during which a gateway replica still running pre-000458 code
after the upgrade wrote rows with an empty provider_name and no provider_id (exports and older
write paths)."""

DEFAULT_CHUNK_SIZE = 500_000
MIN_INTERCEPTIONS = 200
"""Below this not every edge case fits (each has a floor of a few rows)."""

DEMO_METHODS = tuple(m for m in METHODS if m != "wire_type")
"""The strict-mode attribution methods the demo's rows can get, in rule order: every one but
``wire_type``, which needs a source without ai_providers (the demo never is one)."""

_NAMESPACE = uuid.UUID("5b0f5d6e-8c1a-4d7e-9a3b-2f64c1e0a7d1")
_US = 1_000_000
_HOUR = 3600 * _US
_DAY = 24 * _HOUR


def _us(t: datetime) -> int:
    return int(t.timestamp()) * _US


def _days_before(days: float) -> datetime:
    return ANCHOR - timedelta(days=days)


# --------------------------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoProvider:
    """A provider instance of the demo world (times in days before :data:`ANCHOR`).

    ``in_snapshot`` False means the row is absent from the exported ai_providers table: either
    hard-deleted (``hard_deleted_days`` set; Coder then SET NULL every provider_id pointing to it)
    or missing from a partial export (provider ids pointing to it dangle).
    """

    key: str
    name: str
    type: str
    display_name: str
    base_url: str
    created_days: float
    #: Soft delete (deleted = true, enabled = false); None = never.
    deleted_days: float | None = None
    #: Hard delete (row gone, FK SET NULL); None = never.
    hard_deleted_days: float | None = None
    #: Disabled (enabled = false) but not deleted; no traffic afterwards.
    disabled_days: float | None = None
    #: Type drift: the type before ``type_changed_days`` (the later type is ``type``).
    type_before: str | None = None
    type_changed_days: float | None = None
    in_snapshot: bool = True
    settings: str | None = None

    @property
    def id(self) -> uuid.UUID:
        """Stable across seeds and versions: uuid5 of a fixed namespace and the key."""
        return uuid.uuid5(_NAMESPACE, f"provider/{self.key}")

    @property
    def wire(self) -> str:
        """What the gateway records in aibridge_interceptions.provider for this instance."""
        return WIRE_FORMAT[self.type]

    def type_at(self, at: datetime) -> str:
        if self.type_before is not None:
            if self.type_changed_days is None:
                raise AssertionError(f"provider {self.key!r} has type_before but no type_changed_days")
            if at < _days_before(self.type_changed_days):
                return self.type_before
        return self.type

    def live_at(self, at: datetime) -> bool:
        """Exists with deleted = false at ``at`` (what both backfill passes look at)."""
        if at < _days_before(self.created_days):
            return False
        for gone in (self.deleted_days, self.hard_deleted_days):
            if gone is not None and at >= _days_before(gone):
                return False
        return True

    @property
    def serving_window(self) -> tuple[datetime, datetime]:
        """When it could serve requests: from creation to deletion, disabling or the anchor."""
        ends = [d for d in (self.deleted_days, self.hard_deleted_days, self.disabled_days) if d is not None]
        return _days_before(self.created_days), _days_before(min(ends)) if ends else ANCHOR

    @property
    def enabled(self) -> bool:
        return self.deleted_days is None and self.disabled_days is None

    @property
    def deleted(self) -> bool:
        return self.deleted_days is not None

    @property
    def updated_at(self) -> datetime:
        changes = [d for d in (self.deleted_days, self.disabled_days, self.type_changed_days) if d is not None]
        return _days_before(min(changes)) if changes else _days_before(self.created_days)


PROVIDERS: tuple[DemoProvider, ...] = (
    DemoProvider("openai", "openai", "openai", "OpenAI", "https://api.openai.com/v1/", 200),
    DemoProvider(
        "anthropic-prod", "anthropic-prod", "anthropic", "Anthropic (production)", "https://api.anthropic.com/", 200
    ),
    DemoProvider(
        "anthropic-research",
        "anthropic-research",
        "anthropic",
        "Anthropic (research)",
        "https://api.anthropic.com/",
        150,
    ),
    DemoProvider(
        "bedrock-prod",
        "bedrock-prod",
        "bedrock",
        "AWS Bedrock us-east-1",
        "https://bedrock-runtime.us-east-1.amazonaws.com",
        180,
        settings="dbcrypt-v1:QmVkcm9ja1NldHRpbmdzOnVzLWVhc3QtMQ==",
    ),
    DemoProvider("openrouter", "openrouter", "openrouter", "OpenRouter", "https://openrouter.ai/api/v1", 120),
    DemoProvider(
        "azure-eastus",
        "azure-eastus",
        "azure",
        "Azure OpenAI East US",
        "https://acme-eastus.openai.azure.com/openai",
        120,
    ),
    DemoProvider("github-copilot", "github-copilot", "copilot", "GitHub Copilot", "https://api.githubcopilot.com", 100),
    DemoProvider(
        "vercel-gateway",
        "vercel-gateway",
        "vercel",
        "Vercel AI Gateway",
        "https://ai-gateway.vercel.sh/v1",
        130,
        disabled_days=10,
    ),
    DemoProvider(
        "claude-old", "claude", "anthropic", "Claude (old key)", "https://api.anthropic.com/", 200, deleted_days=60
    ),
    DemoProvider("claude-new", "claude", "anthropic", "Claude", "https://api.anthropic.com/", 25),
    DemoProvider(
        "aws-claude",
        "aws-claude",
        "bedrock",
        "Claude on AWS",
        "https://bedrock-runtime.eu-west-1.amazonaws.com",
        160,
        type_before="anthropic",
        type_changed_days=35,
        settings="dbcrypt-v1:QmVkcm9ja1NldHRpbmdzOmV1LXdlc3QtMQ==",
    ),
    DemoProvider(
        "azure-westeu",
        "azure-westeu",
        "azure",
        "Azure OpenAI West Europe",
        "https://acme-westeu.openai.azure.com/openai",
        140,
        deleted_days=20,
    ),
    DemoProvider(
        "gemini-old",
        "gemini-old",
        "google",
        "Gemini (retired)",
        "https://generativelanguage.googleapis.com/v1beta/openai/",
        170,
        hard_deleted_days=15,
        in_snapshot=False,
    ),
    DemoProvider(
        "local-vllm",
        "local-vllm",
        "openai-compat",
        "Local vLLM",
        "http://vllm.internal:8000/v1",
        210,
        in_snapshot=False,
    ),
)
"""The demo world's providers. ``claude-old`` (soft-deleted) and ``claude-new`` share the name
``claude``; ``gemini-old`` was hard-deleted and ``local-vllm`` is missing from the partial export,
so neither appears in ai_providers."""

_P = {p.key: i for i, p in enumerate(PROVIDERS)}
_NONE = len(PROVIDERS)  # truth code for "no provider of ours served it"


SETTLE = timedelta(hours=1)
"""Providers created within this time of the first provider row came with the upgrade."""


def strict_method(
    provider_id: uuid.UUID | None,
    provider_name: str,
    provider: str,
    snapshot: tuple[DemoProvider, ...] | None = None,
    at: datetime | None = None,
) -> tuple[str, uuid.UUID | None]:
    """The strict method for one row started at ``at`` (None: before every provider) against the
    ai_providers snapshot, and the id it resolves to: an implementation of the README's rules
    written apart from the SQL, as the tests' oracle.

    provider_id set and its row exists -> provider_id; set but no row -> unknown_provider_id.
    Else the candidates are the snapshot rows holding the name (or, for an empty name, the type
    ``provider``): not soft-deleted before ``at`` (updated_at bounds the deletion), and, when any
    of them existed at ``at`` (before the upgrade: within its first hour), only those. One
    candidate -> provider_name (deleted_provider_name when soft-deleted) or unique_type; several
    -> ambiguous_name / ambiguous_type; none -> no_live_provider.
    """
    rows = [p for p in (snapshot if snapshot is not None else PROVIDERS) if p.in_snapshot]
    if provider_id is not None:
        return ("provider_id", provider_id) if any(p.id == provider_id for p in rows) else ("unknown_provider_id", None)
    words = [p for p in rows if (p.name == provider_name if provider_name else p.type == provider)]
    first = min((_days_before(p.created_days) for p in rows), default=None)
    reference = None if first is None else max(at or first, first + SETTLE)
    alive = [p for p in words if not p.deleted or at is None or at < p.updated_at]
    existed = [p for p in alive if reference is not None and _days_before(p.created_days) <= reference]
    found = existed or alive
    if len(found) > 1:
        return ("ambiguous_name" if provider_name else "ambiguous_type"), None
    if not found:
        return "no_live_provider", None
    if provider_name:
        return ("deleted_provider_name" if found[0].deleted else "provider_name"), found[0].id
    return "unique_type", found[0].id


def _time_bounds() -> np.ndarray:
    """Microsecond times at which :func:`strict_method`'s answer for some word can change."""
    rows = [p for p in PROVIDERS if p.in_snapshot]
    first = min(_days_before(p.created_days) for p in rows)
    times = {first + SETTLE, *(_days_before(p.created_days) for p in rows), *(p.updated_at for p in rows if p.deleted)}
    return np.array(sorted(_us(t) for t in times), dtype=np.int64)


def _backfill(provider_name: str, provider: str) -> int:
    """Migration 000507's two passes at MIGRATION_INSTANT for one row; a provider index or -1."""
    live = [i for i, p in enumerate(PROVIDERS) if p.live_at(MIGRATION_INSTANT)]
    if provider_name != "":
        named = [i for i in live if PROVIDERS[i].name == provider_name]
        return named[0] if named else -1
    typed = [i for i in live if PROVIDERS[i].type_at(MIGRATION_INSTANT) == provider]
    return typed[0] if len(typed) == 1 else -1


# --------------------------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------------------------

_TYPICAL_MIX = (
    ("anthropic-prod", 30),
    ("anthropic-research", 8),
    ("openai", 20),
    ("bedrock-prod", 8),
    ("openrouter", 8),
    ("azure-eastus", 8),
    ("aws-claude", 8),
    ("claude-new", 10),
)


@dataclass(frozen=True)
class EdgeCase:
    """One planted edge-case label: how its rows are made and what strict attribution must say.

    ``window`` is in days before the anchor (start, end). ``truth`` lists (provider key or None,
    weight). ``name_rule``: instance | wire | empty | wire_or_empty. ``id_rule``: era (backfill
    before the migration, written by the server after it) | replica (backfill before, NULL after)
    | openai (a misrouted write of the ``openai`` provider's id). A provider id pointing to a
    hard-deleted provider then becomes NULL, as Coder's ON DELETE SET NULL does.
    """

    label: str
    domain_cases: tuple[int, ...]
    description: str
    expected_method: str
    share: float
    minimum: int
    window: tuple[float, float]
    truth: tuple[tuple[str | None, float], ...]
    name_rule: str = "instance"
    wire: str | None = None
    id_rule: str = "era"
    ending: str = "ended"  # ended | in_flight | stuck
    client_null: bool = False
    mixed: bool = False
    #: Whether strict attribution resolves these rows to the provider that truly served them.
    resolves_to_truth: bool = True


_PRE = (HISTORY_DAYS, 40)  # before the migration
_POST = (40, 0)
_ALL = (HISTORY_DAYS, 0)

_EDGE_CASES = (
    EdgeCase(
        "copilot",
        (11,),
        "GitHub Copilot traffic written after the migration (wire and type 'copilot', the only live copilot provider).",
        "provider_id",
        0.05,
        5,
        _POST,
        (("github-copilot", 1),),
    ),
    EdgeCase(
        "legacy_instance_name",
        (),
        "Rows from between migrations 000458 and 000507: the name "
        "snapshot is the instance name; pass 1 of the backfill found it.",
        "provider_id",
        0.08,
        5,
        _PRE,
        (
            ("anthropic-prod", 30),
            ("anthropic-research", 10),
            ("bedrock-prod", 8),
            ("openrouter", 8),
            ("azure-eastus", 8),
            ("github-copilot", 10),
            ("aws-claude", 8),
        ),
    ),
    EdgeCase(
        "legacy_wire_type_name",
        (2, 5),
        "Rows backfilled by 000458 with provider_name = wire "
        "type 'anthropic' or 'copilot': no provider is named so, pass 1 left them NULL.",
        "no_live_provider",
        0.08,
        5,
        _PRE,
        (
            ("anthropic-prod", 30),
            ("anthropic-research", 10),
            ("bedrock-prod", 8),
            ("aws-claude", 8),
            ("claude-old", 10),
            ("github-copilot", 15),
        ),
        name_rule="wire",
        resolves_to_truth=False,
    ),
    EdgeCase(
        "legacy_openai_name",
        (2,),
        "Legacy rows named 'openai' served by the provider literally named openai: pass 1 matched it.",
        "provider_id",
        0.03,
        5,
        _PRE,
        (("openai", 1),),
        name_rule="wire",
    ),
    EdgeCase(
        "wire_family_misattributed",
        (2, 3, 5),
        "Legacy rows with provider 'openai' and name "
        "'openai' or '' served by openrouter, azure or vercel instances: the backfill attached them "
        "to the provider named (or uniquely typed) openai.",
        "provider_id",
        0.02,
        5,
        _PRE,
        (("openrouter", 4), ("azure-eastus", 4), ("vercel-gateway", 2)),
        name_rule="wire_or_empty",
        resolves_to_truth=False,
    ),
    EdgeCase(
        "empty_name_backfilled",
        (3,),
        "Legacy rows with provider_name '' whose type had exactly "
        "one live provider at the migration (copilot, openai): pass 2 set provider_id.",
        "provider_id",
        0.01,
        5,
        _PRE,
        (("github-copilot", 2), ("openai", 1)),
        name_rule="empty",
    ),
    EdgeCase(
        "empty_name_unique_type",
        (3,),
        "Rows with provider_name '' and no provider_id written by "
        "an outdated replica after the migration; their type has exactly one live provider.",
        "unique_type",
        0.005,
        5,
        _REPLICA_DAYS,
        (("github-copilot", 2), ("openai", 1)),
        name_rule="empty",
        id_rule="replica",
    ),
    EdgeCase(
        "empty_name_ambiguous_type",
        (3, 4),
        "Legacy rows with provider_name '' and provider "
        "'anthropic': several live anthropic providers, at the migration and now.",
        "ambiguous_type",
        0.01,
        5,
        _PRE,
        (("anthropic-prod", 4), ("anthropic-research", 2), ("aws-claude", 1), ("bedrock-prod", 1)),
        name_rule="empty",
        resolves_to_truth=False,
    ),
    EdgeCase(
        "type_drift",
        (15,),
        "Legacy bedrock-prod rows recorded as 'bedrock' with an empty name: "
        "bedrock was a unique type at the migration (pass 2 set the id); aws-claude drifted from "
        "anthropic to bedrock afterwards, so a type fallback today would be ambiguous.",
        "provider_id",
        0.005,
        5,
        _PRE,
        (("bedrock-prod", 1),),
        name_rule="empty",
        wire="bedrock",
    ),
    EdgeCase(
        "name_reused",
        (6,),
        "History of the soft-deleted 'claude' provider (deleted before the "
        "migration, so never backfilled); a newer live provider reuses the name. The deleted "
        "holder's lifetime covers these rows, so strict attribution gives them to it.",
        "deleted_provider_name",
        0.01,
        5,
        _PRE,
        (("claude-old", 1),),
    ),
    EdgeCase(
        "soft_deleted_provider",
        (6,),
        "Rows of azure-westeu, soft-deleted 20 days before the "
        "anchor: provider_id points to a row with deleted = true.",
        "provider_id",
        0.015,
        5,
        _ALL,
        (("azure-westeu", 1),),
    ),
    EdgeCase(
        "hard_deleted_provider",
        (7,),
        "Rows of gemini-old, hard-deleted 15 days before the "
        "anchor: provider_id was SET NULL and no live provider has its name.",
        "no_live_provider",
        0.01,
        5,
        _ALL,
        (("gemini-old", 1),),
        resolves_to_truth=False,
    ),
    EdgeCase(
        "dangling_provider_id",
        (8,),
        "Rows of local-vllm, whose ai_providers row is missing from "
        "the (partial) export: provider_id points to no row.",
        "unknown_provider_id",
        0.005,
        5,
        _ALL,
        (("local-vllm", 1),),
        resolves_to_truth=False,
    ),
    EdgeCase(
        "snapshot_name_mismatch",
        (9,),
        "provider_id set at write time but provider_name holds the wire type (the server replaced an empty name).",
        "provider_id",
        0.005,
        5,
        _POST,
        (("anthropic-research", 2), ("openrouter", 1), ("github-copilot", 1)),
        name_rule="wire",
    ),
    EdgeCase(
        "snapshot_wire_mismatch",
        (9,),
        "A misrouted write: provider_id is the openai provider's "
        "while provider 'anthropic' and provider_name 'anthropic-prod' say who served it.",
        "provider_id",
        0.0025,
        5,
        _POST,
        (("anthropic-prod", 1),),
        id_rule="openai",
        resolves_to_truth=False,
    ),
    EdgeCase(
        "disabled_provider",
        (10,),
        "Rows of vercel-gateway, disabled (not deleted) 10 days before the anchor.",
        "provider_id",
        0.015,
        5,
        _ALL,
        (("vercel-gateway", 1),),
    ),
    EdgeCase(
        "provider_outside_enum",
        (11,),
        "provider 'mistral' (outside the ai_provider_type enum; "
        "the real pass 2 would abort on its cast), named 'mistral' or ''; served by no provider "
        "of ours, so the truth is unknowable.",
        "no_live_provider",
        0.0025,
        5,
        _ALL,
        ((None, 1),),
        name_rule="wire_or_empty",
        wire="mistral",
        id_rule="replica",
    ),
    EdgeCase(
        "in_flight",
        (12,),
        "Requests still running at the anchor (ended_at NULL, started in the last 15 minutes).",
        "provider_id",
        0.01,
        5,
        _POST,
        _TYPICAL_MIX,
        ending="in_flight",
    ),
    EdgeCase(
        "stuck",
        (12,),
        "Requests that never ended (ended_at NULL, started days ago).",
        "provider_id",
        0.0015,
        5,
        (40, 2),
        _TYPICAL_MIX,
        ending="stuck",
    ),
    EdgeCase(
        "client_null",
        (13,),
        "client NULL (reported as 'Unknown').",
        "provider_id",
        0.015,
        5,
        _POST,
        _TYPICAL_MIX,
        client_null=True,
    ),
    EdgeCase(
        "mixed_session",
        (14,),
        "Sessions whose rows mix providers and models.",
        "provider_id",
        0.02,
        6,
        _POST,
        (("anthropic-prod", 4), ("openai", 3), ("openrouter", 2), ("azure-eastus", 2)),
        mixed=True,
    ),
)

_TYPICAL = EdgeCase(
    "typical",
    (),
    "Ordinary traffic written after the migration with provider_id, provider_name and provider all consistent.",
    "provider_id",
    0.0,
    0,
    _POST,
    _TYPICAL_MIX,
)

PLANTED_EDGE_CASES: Mapping[str, EdgeCase] = {e.label: e for e in (_TYPICAL, *_EDGE_CASES)}
"""Every ``edge_case`` label of demo_ground_truth, with its description, the docs/edge-cases.md
cases it plants, and the strict method its rows must get. Case 1 (no provider_id column) is a
schema variant: drop the column and compare with ``expected_method_without_provider_id``."""

_LABELS = tuple(PLANTED_EDGE_CASES)


def planned_counts(interceptions: int) -> dict[str, int]:
    """How many interceptions each label gets for a given size (``typical`` takes the rest)."""
    _check(interceptions, 0)
    counts = {e.label: max(e.minimum, round(e.share * interceptions)) for e in _EDGE_CASES}
    return {"typical": interceptions - sum(counts.values()), **counts}


def _check(interceptions: int, seed: int) -> None:
    if not isinstance(interceptions, (int, np.integer)) or interceptions < MIN_INTERCEPTIONS:
        raise UsageError(f"interceptions must be an integer >= {MIN_INTERCEPTIONS}, got {interceptions!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise UsageError(f"seed must be a non-negative integer, got {seed!r}")


# --------------------------------------------------------------------------------------------
# Vocabularies (everything is generated as integer codes, turned into strings at the end)
# --------------------------------------------------------------------------------------------

_NAMES = tuple(
    dict.fromkeys(["", "openai", "anthropic", "copilot", "bedrock", "mistral", *(p.name for p in PROVIDERS)])
)
_NAME_CODE = {n: i for i, n in enumerate(_NAMES)}
_WIRES = ("openai", "anthropic", "copilot", "bedrock", "mistral")
_WIRE_CODE = {w: i for i, w in enumerate(_WIRES)}
_PROVIDER_WIRE = np.array([_WIRE_CODE[p.wire] for p in PROVIDERS] + [-1])
_PROVIDER_NAME = np.array([_NAME_CODE[p.name] for p in PROVIDERS] + [-1])
_HARD_DELETED = np.array([p.hard_deleted_days is not None for p in PROVIDERS] + [False])
_RESPONSE_PREFIX = ("chatcmpl-", "msg_", "chatcmpl-", "msg_bdrk_", "cmpl-")

_MODELS: dict[str, tuple[tuple[str, float], ...]] = {
    "openai": (("gpt-5", 35), ("gpt-4.1", 25), ("gpt-5-mini", 20), ("o3", 10), ("gpt-4o-mini", 10)),
    "anthropic": (("claude-sonnet-4-5", 55), ("claude-haiku-4-5", 30), ("claude-opus-4-1", 15)),
    "claude-old": (("claude-sonnet-4-20250514", 60), ("claude-3-7-sonnet-20250219", 40)),
    "bedrock": (
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 70),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", 30),
    ),
    "openrouter": (
        ("anthropic/claude-sonnet-4.5", 35),
        ("openai/gpt-5", 25),
        ("qwen/qwen3-coder", 25),
        ("deepseek/deepseek-chat-v3.1", 15),
    ),
    "azure": (("gpt-4.1", 60), ("gpt-4o", 40)),
    "copilot": (("gpt-4.1", 45), ("claude-sonnet-4", 35), ("gpt-5-mini", 20)),
    "vercel": (("xai/grok-code-fast-1", 60), ("openai/gpt-5", 40)),
    "google": (("gemini-2.5-pro", 60), ("gemini-2.5-flash", 40)),
    "openai-compat": (("Qwen/Qwen2.5-Coder-32B-Instruct", 100),),
    "mistral": (("devstral-medium-2507", 60), ("codestral-latest", 40)),
}
_MODEL_NAMES = tuple(dict.fromkeys(m for ms in _MODELS.values() for m, _ in ms))


def _model_key(truth: int) -> str:
    if truth == _NONE:
        return "mistral"
    p = PROVIDERS[truth]
    return p.key if p.key in _MODELS else p.type


_CLIENTS = ("Claude Code", "Cursor", "Copilot", "Codex", "Roo Code", "Zed", "Unknown")
_CLIENT_AGENT = (
    "claude-cli/2.0.31 (external, cli)",
    "Cursor/1.7.46 (darwin arm64)",
    "GitHubCopilotChat/0.32.4",
    "codex_cli_rs/0.46.0 (Ubuntu 24.04; x86_64) vscode/1.105.1",
    "RooCode/3.28.15",
    "Zed/0.208.6",
    "OpenAI/Python 1.109.1",
)
_NULL_CLIENT_AGENT = "python-httpx/0.28.1"
#: Client distribution per wire code (openai, anthropic, copilot, bedrock, mistral).
_CLIENT_BY_WIRE = (
    (0, 30, 0, 40, 10, 5, 15),
    (70, 12, 0, 0, 8, 5, 5),
    (0, 0, 95, 0, 0, 0, 5),
    (70, 12, 0, 0, 8, 5, 5),
    (0, 20, 0, 0, 30, 0, 50),
)
_MIXED_CLIENTS = (0, 60, 0, 0, 25, 15, 0)
_SESSION_CLIENTS = np.array([c in ("Claude Code", "Codex") for c in _CLIENTS])

_PROMPTS = (
    "Fix the failing test in internal/auth/session_test.go",
    "Refactor this function to use early returns",
    "Why does `go test ./...` hang on CI but not locally?",
    "Add a unit test for the pagination edge case (after_id with limit=1)",
    "Explain what this regex does: ^[a-z0-9]+(-[a-z0-9]+)*$",
    "Write a migration that adds a nullable provider_id column",
    "Summarise the diff and draft a commit message",
    "Convert this bash script to Python and keep the exit codes",
    "The build says 'undefined: sqlc.Arg' — what am I missing?",
    "Rename the variable `tmp` to something meaningful across the package",
    "Review this PR for race conditions",
    "Make the dashboard chart render in dark mode",
    "Can you add retries with exponential backoff to the HTTP client?",
    "Generate TypeScript types for this JSON response",
    "Why is the terraform plan recreating the workspace volume?",
    "Document the public API in README.md",
    "Speed up this SQL query; it scans the whole interceptions table",
    "Translate the error messages to German",
    "continue",
    "yes, apply it",
    'The user said "it works on my machine" — write a repro script',
    "Render this in the page: <script>alert(1)</script>",
    "Why does <b>bold</b> show up literally in the email template?",
    "Use this key for the test: sk-test-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c",
    "Escape the quotes in: it's a \"quoted\" 'string' & <tag>",
)
_PROMPT_WEIGHTS = np.array([8.0] * 18 + [12, 10, 2, 1, 1, 0.5, 1])
_SPECIAL_PROMPTS = (23, 21, 24)  # forced into chunk 0 so that every dataset has them

_MCP = (  # (server_url, tool, input)
    (
        "https://coder.example.com/api/experimental/mcp/http",
        "coder_workspace_bash",
        '{"workspace":"dev","command":"make test"}',
    ),
    ("https://coder.example.com/api/experimental/mcp/http", "coder_list_templates", "{}"),
    ("https://api.githubcopilot.com/mcp/", "github_search_code", '{"query":"provider_id repo:coder/coder"}'),
    (
        "https://api.githubcopilot.com/mcp/",
        "github_get_pull_request",
        '{"owner":"coder","repo":"coder","number":25606}',
    ),
    ("https://mcp.linear.app/sse", "linear_get_issue", '{"id":"ENG-1234"}'),
)
_CLIENT_TOOLS = (
    ("Read", '{"file_path":"/home/coder/src/main.go"}'),
    ("Edit", '{"file_path":"/home/coder/src/main.go","old_string":"err != nil","new_string":"err == nil"}'),
    ("Bash", '{"command":"go test ./..."}'),
    ("Grep", '{"pattern":"provider_name","path":"coderd"}'),
    ("write_file", '{"path":"README.md","content":"# Demo"}'),
    ("run_terminal_cmd", '{"command":"npm run lint"}'),
)
_TOOL_ERRORS = (
    "context deadline exceeded",
    "workspace dev is not running",
    "403 Forbidden: resource not accessible by integration",
    "tool returned invalid JSON",
)
_THOUGHTS = (
    "The test fails because the fixture uses a naive timestamp; the comparison is off by the zone.",
    "I should check whether the column is nullable before adding the filter.",
    "Two providers share the type, so a fallback by type would be ambiguous here.",
    "Let me read the migration first, then the query that uses it.",
)

_METHOD_CODE = {m: i for i, m in enumerate(DEMO_METHODS)}
_LABEL_CODE = {label: i for i, label in enumerate(_LABELS)}


# --------------------------------------------------------------------------------------------
# Vectorised helpers
# --------------------------------------------------------------------------------------------

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex_digits(raw: np.ndarray) -> np.ndarray:
    out = np.empty((raw.shape[0], raw.shape[1] * 2), dtype=np.uint8)
    out[:, 0::2] = _HEX[raw >> 4]
    out[:, 1::2] = _HEX[raw & 0x0F]
    return out


def _fixed_strings(chars: np.ndarray) -> pa.StringArray:
    """An (n, width) uint8 array of ASCII as a string array, without a Python loop."""
    n, width = chars.shape
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(chars)))


def _uuids(rng: np.random.Generator, n: int) -> pa.StringArray:
    """n random version-4 UUIDs in their canonical text form."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = _hex_digits(raw)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    for dst, src in ((0, 0), (9, 8), (14, 12), (19, 16), (24, 20)):
        width = {0: 8, 20: 12}.get(src, 4)
        out[:, dst : dst + width] = digits[:, src : src + width]
    return _fixed_strings(out)


def _hex_ids(rng: np.random.Generator, n: int, nbytes: int = 12) -> pa.StringArray:
    return _fixed_strings(_hex_digits(rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)))


def _take(values: pa.Array | Sequence[str], codes: np.ndarray) -> pa.Array:
    """Strings (or any values) by code; code -1 gives null."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return arr.take(pa.array(codes, type=pa.int64(), mask=codes < 0))


def _ts(us: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(us.astype(np.int64), type=pa.timestamp("us", tz="UTC"), mask=mask)


def _choice(rng: np.random.Generator, weights: npt.ArrayLike, size: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=size, p=w / w.sum())


def _lognormal(rng: np.random.Generator, median: float, sigma: float, size: int, lo: float, hi: float) -> np.ndarray:
    return np.clip(rng.lognormal(np.log(median), sigma, size), lo, hi)


#: Relative traffic per hour of day (UTC): Europe's afternoon overlapping America's morning.
_HOUR_OF_DAY = np.array(
    [
        0.10,
        0.08,
        0.06,
        0.05,
        0.05,
        0.07,
        0.15,
        0.30,
        0.55,
        0.75,
        0.85,
        0.90,
        0.85,
        0.95,
        1.00,
        1.00,
        0.95,
        0.90,
        0.85,
        0.70,
        0.55,
        0.40,
        0.25,
        0.15,
    ]
)
_DAY_OF_WEEK = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.30, 0.25])  # Monday first
_HISTORY_START_US = _us(ANCHOR) - HISTORY_DAYS * _DAY


def _sample_times(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """n instants in [lo, hi) following a daily and weekly rhythm and a growing adoption trend."""
    if hi <= lo:
        raise AssertionError(f"empty window {lo}..{hi}")
    hours = np.arange(lo // _HOUR, (hi - 1) // _HOUR + 1, dtype=np.int64)
    starts = np.maximum(hours * _HOUR, lo)
    widths = np.minimum(hours * _HOUR + _HOUR, hi) - starts
    days = hours // 24
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
    trend = 1.0 + 0.8 * (hours * _HOUR - _HISTORY_START_US) / (HISTORY_DAYS * _DAY)
    w = _HOUR_OF_DAY[hours % 24] * _DAY_OF_WEEK[weekday] * np.maximum(trend, 0.2) * widths
    pick = _choice(rng, w, n)
    times: np.ndarray = starts[pick] + (rng.random(n) * widths[pick]).astype(np.int64)
    return times


# --------------------------------------------------------------------------------------------
# The world outside the chunks: users, keys
# --------------------------------------------------------------------------------------------

_USERS = 400
_GLOBAL_STREAM = 2**31


@dataclass(frozen=True)
class _People:
    ids: pa.StringArray
    weights: np.ndarray
    byok: np.ndarray
    key_ids: pa.StringArray  # two per user
    byok_hints: pa.StringArray


def _people(seed: int) -> _People:
    rng = np.random.default_rng((seed, _GLOBAL_STREAM))
    ids = pa.array([str(uuid.uuid5(_NAMESPACE, f"user/{i}")) for i in range(_USERS)], type=pa.string())
    weights = rng.pareto(1.3, _USERS) + 0.05
    byok = rng.random(_USERS) < 0.1
    alnum = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)
    keys = _fixed_strings(alnum[rng.integers(0, 36, size=(2 * _USERS, 10))])
    tails = _hex_digits(rng.integers(0, 256, size=(_USERS, 2), dtype=np.uint8))
    hints = pa.array([f"sk-a***{t.tobytes().decode()}" for t in tails], type=pa.string())
    return _People(ids, weights / weights.sum(), byok, keys, hints)


# Names of the demo's users (the users table): deterministic by seed, drawn from a stream of
# their own so that every other table stays as it was before users were added.
_FIRST = (
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Dennis",
    "Edsger",
    "Frances",
    "Grace",
    "Hedy",
    "Ivan",
    "Jean",
    "Ken",
    "Leslie",
    "Margaret",
    "Niklaus",
    "Ole",
    "Radia",
    "Shafi",
    "Tim",
    "Whitfield",
)
_LAST = (
    "Allen",
    "Backus",
    "Cerf",
    "Dijkstra",
    "Engelbart",
    "Floyd",
    "Goldberg",
    "Hopper",
    "Iverson",
    "Kay",
    "Lamport",
    "Liskov",
    "McCarthy",
    "Naur",
    "Perlman",
    "Ritchie",
    "Sammet",
    "Thompson",
    "Wirth",
    "Yao",
)
_NAMES_STREAM = 2**31 + 1


assert len(_FIRST) * len(_LAST) >= _USERS, "every demo user needs a (first, last) pair of its own"


def _users_table(seed: int, people: _People) -> pa.Table:
    """Coder's users rows of the demo's initiators: a username (Coder's rule: letters, digits and
    inner hyphens), a display name (empty for about one user in eight, as Coder stores an unset
    one) and ``deleted`` for a few; a deleted user's username is held again by a newer user, as
    Coder's partial unique index allows."""
    rng = np.random.default_rng((seed, _NAMES_STREAM))
    # Each (first, last) pair once: as many pairs as users, in an order of the seed's.
    pairs = rng.permutation(len(_FIRST) * len(_LAST))[:_USERS]
    first, last = pairs // len(_LAST), pairs % len(_LAST)
    unnamed = rng.random(_USERS) < 0.125
    deleted = rng.random(_USERS) < 0.03
    usernames = [f"{_FIRST[f]}-{_LAST[la]}".lower() for f, la in zip(first, last, strict=True)]
    names = ["" if u else f"{_FIRST[f]} {_LAST[la]}" for f, la, u in zip(first, last, unnamed, strict=True)]
    # The first deleted user's username is reused by the last user (who is live).
    gone = np.flatnonzero(deleted[:-1])
    if len(gone):
        usernames[-1] = usernames[int(gone[0])]
        deleted[-1] = False
    return _table(
        "users",
        {
            "id": people.ids,
            "username": pa.array(usernames, pa.string()),
            "name": pa.array(names, pa.string()),
            "deleted": pa.array(deleted.tolist(), pa.bool_()),
        },
    )


_CENTRAL_HINTS = tuple(
    f"{'sk-ant' if p.wire == 'anthropic' else 'sk'}-***{uuid.uuid5(_NAMESPACE, 'key/' + p.key).hex[:4]}"
    for p in PROVIDERS
) + ("sk-***0000",)


# --------------------------------------------------------------------------------------------
# Interceptions of one label
# --------------------------------------------------------------------------------------------


def _windows(case: EdgeCase, truth: int) -> tuple[int, int]:
    lo, hi = _us(_days_before(case.window[0])), _us(_days_before(case.window[1]))
    if truth != _NONE:
        start, end = PROVIDERS[truth].serving_window
        lo, hi = max(lo, _us(start)), min(hi, _us(end))
    return lo, hi


_SESSION_SPAN = 8 * _HOUR  # sessions are shorter than this, so they never cross a window's end


def _block(case: EdgeCase, n: int, rng: np.random.Generator, people: _People) -> dict[str, np.ndarray]:
    """Interceptions of one label as integer codes; row indices are local to the block."""
    if case.ending != "ended":
        sizes = np.ones(n, dtype=np.int64)
    elif case.mixed:
        sizes = rng.integers(3, 9, size=n)
    else:
        sizes = np.minimum(rng.geometric(0.3, size=n), 12)
    ends = np.cumsum(sizes)
    m = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:m].copy()
    sizes[-1] -= ends[m - 1] - n
    ends = np.cumsum(sizes)
    first = ends - sizes
    sess = np.repeat(np.arange(m), sizes)
    pos = np.arange(n) - first[sess]

    keys = [_NONE if k is None else _P[k] for k, _ in case.truth]
    weights = [w for _, w in case.truth]
    if case.mixed:
        pick = _choice(rng, weights, n)
        # A mixed session must mix: its second row gets another provider than its first.
        second = (first + 1)[sizes > 1]
        shift = rng.integers(1, len(keys), size=second.size)
        pick[second] = (pick[second - 1] + shift) % len(keys)
        truth = np.asarray(keys)[pick]
        sess_truth = truth[first]
    else:
        sess_truth = np.asarray(keys)[_choice(rng, weights, m)]
        truth = sess_truth[sess]

    user = _choice(rng, people.weights, m)

    # Session start times, per provider so that each stays inside that provider's serving window.
    base = np.empty(m, dtype=np.int64)
    if case.ending == "in_flight":
        base[:] = _us(ANCHOR) - rng.integers(_US, 15 * 60 * _US, size=m)
    else:
        for code in np.unique(sess_truth):
            idx = np.flatnonzero(sess_truth == code)
            lo, hi = _windows(case, int(code))
            if case.mixed:
                for k in keys:
                    klo, khi = _windows(case, k)
                    lo, hi = max(lo, klo), min(hi, khi)
            margin = _SESSION_SPAN if case.ending == "ended" else 0
            base[idx] = _sample_times(rng, idx.size, lo, hi - margin)

    duration = (_lognormal(rng, 6.0, 1.4, n, 0.04, 1800.0) * _US).astype(np.int64)
    gap = (np.minimum(rng.exponential(45.0, n), 300.0) * _US).astype(np.int64)
    step = duration + gap
    offset = np.cumsum(step) - step
    started = base[sess] + offset - offset[first][sess]
    ended_valid = np.full(n, case.ending == "ended")

    # What the gateway recorded.
    wire = np.full(n, _WIRE_CODE[case.wire]) if case.wire else _PROVIDER_WIRE[truth]
    if case.name_rule == "instance":
        name = _PROVIDER_NAME[truth]
    elif case.name_rule == "wire":
        name = np.array([_NAME_CODE[w] for w in _WIRES])[wire]
    elif case.name_rule == "empty":
        name = np.zeros(n, dtype=np.int64)
    else:  # wire_or_empty, decided per session
        empty = (rng.random(m) < 0.5)[sess]
        name = np.where(empty, 0, np.array([_NAME_CODE[w] for w in _WIRES])[wire])

    # Which provider id the row carries.
    pre = started < _us(MIGRATION_INSTANT)
    backfilled = np.full(n, -1)
    for nm, wr in set(zip(name[pre].tolist(), wire[pre].tolist(), strict=True)):
        hit = pre & (name == nm) & (wire == wr)
        backfilled[hit] = _backfill(_NAMES[nm], _WIRES[wr])
    if case.id_rule == "era":
        pid = np.where(pre, backfilled, truth)
    elif case.id_rule == "replica":
        pid = np.where(pre, backfilled, -1)
    elif case.id_rule == "openai":
        pid = np.full(n, _P["openai"])
    else:
        raise AssertionError(case.id_rule)
    pid = np.where((pid >= 0) & _HARD_DELETED[np.maximum(pid, 0)], -1, pid)  # ON DELETE SET NULL

    # Models: per provider, drawn per row (sessions switch models now and then).
    model = np.empty(n, dtype=np.int64)
    for code in np.unique(truth):
        idx = np.flatnonzero(truth == code)
        table = _MODELS[_model_key(int(code))]
        names = np.array([_MODEL_NAMES.index(mdl) for mdl, _ in table])
        model[idx] = names[_choice(rng, [w for _, w in table], idx.size)]

    # Client per session, from the wire format of its first row.
    client = np.empty(m, dtype=np.int64)
    sess_wire = wire[first]
    if case.client_null:
        client[:] = -1
    elif case.mixed:
        client[:] = _choice(rng, _MIXED_CLIENTS, m)
    else:
        for code in np.unique(sess_wire):
            idx = np.flatnonzero(sess_wire == code)
            client[idx] = _choice(rng, _CLIENT_BY_WIRE[code], idx.size)

    # Thread lineage: most sessions are one thread (root = first row, parent = previous row).
    threaded = (rng.random(m) < 0.7)[sess] & (pos > 0)
    parent = np.where(threaded, np.arange(n) - 1, -1)
    root = np.where(threaded, first[sess], -1)
    has_session_id = np.where(client >= 0, _SESSION_CLIENTS[np.maximum(client, 0)], False)

    return dict(
        truth=truth,
        wire=wire,
        name=name,
        pid=pid,
        model=model,
        started=started,
        duration=duration,
        ended_valid=ended_valid,
        user=user[sess],
        client=client[sess],
        parent=parent,
        root=root,
        session=sess,
        session_has_id=has_session_id[sess],
        label=np.full(n, _LABEL_CODE[case.label]),
    )


# --------------------------------------------------------------------------------------------
# Recorded spend
# --------------------------------------------------------------------------------------------

PRICING_DAYS = 38
"""Days before :data:`ANCHOR` at which the demo deployment started recording cost: token usage
rows written earlier have no prices and no cost (Coder's prices are not retroactive)."""

DEMO_GROUPS = tuple(
    str(uuid.uuid5(uuid.NAMESPACE_URL, f"aibridge-demo/group/{g}")) for g in ("platform", "ml", "support")
)
"""The effective groups the demo's token usage is recorded under from :data:`PRICING_DAYS` on (the
version that records cost records the group too): each user's, by the user's index; none before."""


@dataclass(frozen=True)
class DemoPrice:
    """One entry of the demo's price book (``ai_model_prices``): a provider type's price for a
    model, or a provider instance's (``provider`` a provider key), which takes precedence; in
    micro-units per million tokens of each kind (input, output, cache read, cache write)."""

    model: str
    prices: tuple[int, int, int, int]
    type: str | None = None
    provider: str | None = None
    #: In force from this many days before the anchor (a later entry of the same scope and model
    #: replaces it: a price change).
    from_days: float = PRICING_DAYS


_M = 1_000_000  # one currency unit in micro-units
PRICE_BOOK: tuple[DemoPrice, ...] = (
    DemoPrice("claude-sonnet-4-5", (3 * _M, 15 * _M, _M * 3 // 10, _M * 15 // 4), type="anthropic"),
    # A price change: cheaper from 12 days before the anchor.
    DemoPrice("claude-sonnet-4-5", (_M * 5 // 2, _M * 25 // 2, _M // 4, _M * 25 // 8), type="anthropic", from_days=12),
    DemoPrice("claude-haiku-4-5", (_M, 5 * _M, _M // 10, _M * 5 // 4), type="anthropic"),
    DemoPrice("claude-opus-4-1", (15 * _M, 75 * _M, _M * 3 // 2, _M * 75 // 4), type="anthropic"),
    DemoPrice("claude-sonnet-4-20250514", (3 * _M, 15 * _M, _M * 3 // 10, _M * 15 // 4), type="anthropic"),
    # A provider-specific price (a negotiated rate) overriding the type's.
    DemoPrice(
        "claude-sonnet-4-5", (_M * 27 // 10, _M * 27 // 2, _M * 27 // 100, _M * 27 // 8), provider="anthropic-research"
    ),
    DemoPrice(
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        (_M * 33 // 10, _M * 33 // 2, _M * 33 // 100, _M * 33 // 8),
        type="bedrock",
    ),
    DemoPrice(
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0", (3 * _M, 15 * _M, _M * 3 // 10, _M * 15 // 4), type="bedrock"
    ),
    DemoPrice("gpt-5", (_M * 5 // 4, 10 * _M, _M // 8, 0), type="openai"),
    DemoPrice("gpt-4.1", (2 * _M, 8 * _M, _M // 2, 0), type="openai"),
    DemoPrice("gpt-5-mini", (_M // 4, 2 * _M, _M // 40, 0), type="openai"),
    DemoPrice("o3", (2 * _M, 8 * _M, _M // 2, 0), type="openai"),
    DemoPrice("gpt-4.1", (2 * _M, 8 * _M, _M // 2, 0), type="azure"),
    DemoPrice("gpt-4o", (_M * 5 // 2, 10 * _M, _M * 5 // 4, 0), type="azure"),
)
"""The demo's prices. Models without an entry (gpt-4o-mini, every OpenRouter, Copilot, Vercel,
Gemini, vLLM and Mistral model) are unpriced, and so is usage under a name no live provider holds."""


def _prices_table() -> pa.Table:
    """``ai_model_prices`` as it stands at the anchor: each scope's latest entry per model (a price
    change replaces the row); a provider-specific row carries its provider's type and id."""
    current: dict[tuple[str | None, str | None, str], DemoPrice] = {}
    for entry in sorted(PRICE_BOOK, key=lambda e: e.from_days, reverse=True):  # the latest last
        current[(entry.type, entry.provider, entry.model)] = entry
    rows = list(current.values())
    by_key = {p.key: p for p in PROVIDERS}
    ts = pa.timestamp("us", tz="UTC")
    since = pa.array([_days_before(e.from_days) for e in rows], ts)
    return _table(
        "ai_model_prices",
        {
            "id": pa.array([str(uuid.uuid5(_NAMESPACE, f"price/{e.type}/{e.provider}/{e.model}")) for e in rows]),
            "provider": pa.array([e.type or by_key[e.provider or ""].type for e in rows], pa.string()),
            "model": pa.array([e.model for e in rows], pa.string()),
            **{
                f"{kind}_price_micros": pa.array([e.prices[k] for e in rows], pa.int64())
                for k, kind in enumerate(PRICE_KINDS)
            },
            "created_at": since,
            "updated_at": since,
            "source": pa.nulls(len(rows), pa.string()),
            "provider_id": pa.array([str(by_key[e.provider].id) if e.provider else None for e in rows], pa.string()),
        },
    )


def _price_at(provider: DemoProvider, model: str, at_us: np.ndarray) -> np.ndarray:
    """Prices (rows x 4, -1 = none) of ``model`` on ``provider`` at each instant: the provider's
    own entry in force, else its type's (the type it had then), as Coder resolves them."""
    out = np.full((at_us.size, 4), -1, dtype=np.int64)
    types = np.full(at_us.size, provider.type, dtype=object)
    if provider.type_before is not None and provider.type_changed_days is not None:  # type drift
        types[at_us < _us(_days_before(provider.type_changed_days))] = provider.type_before
    for scope_is_provider in (False, True):  # the provider's own entries last: they take precedence
        for entry in sorted(PRICE_BOOK, key=lambda e: e.from_days, reverse=True):  # older first
            if entry.model != model:
                continue
            if scope_is_provider:
                hit = np.full(at_us.size, entry.provider == provider.key)
            else:
                hit = (types == entry.type) if entry.provider is None else np.zeros(at_us.size, dtype=bool)
            hit &= at_us >= _us(_days_before(entry.from_days))
            out[hit] = entry.prices
    return out


def _recorded_prices(name: np.ndarray, model: np.ndarray, created_us: np.ndarray) -> np.ndarray:
    """The prices Coder snapshots on each token usage row (rows x 4, -1 = NULL): resolved by the
    interception's provider_name to the provider live under that name when the row was written,
    then by model; nothing before :data:`PRICING_DAYS` or under a name no live provider holds."""
    out = np.full((name.size, 4), -1, dtype=np.int64)
    recording = created_us >= _us(_days_before(PRICING_DAYS))
    for nm, mdl in {(int(a), int(b)) for a, b in zip(name[recording], model[recording], strict=True)}:
        idx = np.flatnonzero(recording & (name == nm) & (model == mdl))
        at = created_us[idx]
        for provider in (p for p in PROVIDERS if p.name == _NAMES[nm]):
            born = _us(_days_before(provider.created_days))
            gone = min(
                (_us(_days_before(d)) for d in (provider.deleted_days, provider.hard_deleted_days) if d is not None),
                default=np.iinfo(np.int64).max,
            )
            live = (at >= born) & (at < gone)
            out[idx[live]] = _price_at(provider, _MODEL_NAMES[mdl], at[live])
    return out


# --------------------------------------------------------------------------------------------
# Chunks
# --------------------------------------------------------------------------------------------


SCHEMAS: dict[str, pa.Schema] = {
    **{t: arrow_schema(cols) for t, cols in TABLES.items()},
    GROUND_TRUTH_TABLE: arrow_schema(GROUND_TRUTH_COLUMNS),
}
"""Arrow schema of every table a chunk holds (UUIDs as canonical text, times as UTC)."""


def _table(name: str, arrays: dict[str, pa.Array]) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.Table.from_arrays([arrays[f.name] for f in schema], schema=schema)


def _providers_table() -> pa.Table:
    rows = [p for p in PROVIDERS if p.in_snapshot]
    ts = pa.timestamp("us", tz="UTC")
    return _table(
        "ai_providers",
        {
            "id": pa.array([str(p.id) for p in rows], pa.string()),
            "type": pa.array([p.type for p in rows], pa.string()),
            "name": pa.array([p.name for p in rows], pa.string()),
            "display_name": pa.array([p.display_name for p in rows], pa.string()),
            "enabled": pa.array([p.enabled for p in rows], pa.bool_()),
            "deleted": pa.array([p.deleted for p in rows], pa.bool_()),
            "base_url": pa.array([p.base_url for p in rows], pa.string()),
            "settings": pa.array([p.settings for p in rows], pa.string()),
            "created_at": pa.array([_days_before(p.created_days) for p in rows], ts),
            "updated_at": pa.array([p.updated_at for p in rows], ts),
        },
    )


def _expectations(
    pid: np.ndarray, name: np.ndarray, wire: np.ndarray, started: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strict method code and resolved provider code per row, and the method without provider_id.

    The rules are evaluated once per distinct (provider id, name, wire, period), a period being
    the time between two instants at which some provider was created or deleted.
    """
    bounds = _time_bounds()
    period = np.searchsorted(bounds, started, side="right")
    key = (pid + 1) + (len(PROVIDERS) + 1) * (name + len(_NAMES) * (wire + len(_WIRES) * period))
    uniq, inverse = np.unique(key, return_inverse=True)
    method, resolved, mainline = (np.empty(uniq.size, dtype=np.int64) for _ in range(3))
    by_id = {p.id: i for i, p in enumerate(PROVIDERS)}
    for j, k in enumerate(uniq.tolist()):
        p = k % (len(PROVIDERS) + 1) - 1
        rest = k // (len(PROVIDERS) + 1)
        nm, rest = _NAMES[rest % len(_NAMES)], rest // len(_NAMES)
        wr, b = _WIRES[rest % len(_WIRES)], rest // len(_WIRES)
        at = None if b == 0 else datetime.fromtimestamp(int(bounds[b - 1]) / _US, UTC)
        m, rid = strict_method(PROVIDERS[p].id if p >= 0 else None, nm, wr, at=at)
        method[j], resolved[j] = _METHOD_CODE[m], by_id[rid] if rid is not None else -1
        mainline[j] = _METHOD_CODE[strict_method(None, nm, wr, at=at)[0]]
    return method[inverse], resolved[inverse], mainline[inverse]


def _chunk_counts(interceptions: int, start: int, stop: int) -> dict[str, int]:
    total = planned_counts(interceptions)
    counts = {k: v * stop // interceptions - v * start // interceptions for k, v in total.items() if k != "typical"}
    return {"typical": (stop - start) - sum(counts.values()), **counts}


def _chunk(interceptions: int, seed: int, index: int, chunk_size: int, people: _People) -> dict[str, pa.Table]:
    start, stop = index * chunk_size, min(interceptions, (index + 1) * chunk_size)
    rng = np.random.default_rng((seed, index, 0))
    blocks, row_base, sess_base = [], 0, 0
    for label, count in _chunk_counts(interceptions, start, stop).items():
        if count == 0:
            continue
        b = _block(PLANTED_EDGE_CASES[label], count, rng, people)
        for k in ("parent", "root"):
            b[k] = np.where(b[k] >= 0, b[k] + row_base, -1)
        b["session"] = b["session"] + sess_base
        row_base += count
        sess_base = int(b["session"].max()) + 1
        blocks.append(b)
    rows = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    n = row_base

    # Rows in time order; thread pointers follow their rows.
    order = np.argsort(rows["started"], kind="stable")
    where = np.empty(n, dtype=np.int64)
    where[order] = np.arange(n)
    rows = {k: v[order] for k, v in rows.items()}
    for k in ("parent", "root"):
        rows[k] = np.where(rows[k] >= 0, where[np.maximum(rows[k], 0)], -1)

    ids = _uuids(rng, n)
    session_ids = _uuids(rng, sess_base)
    started, duration, ended_valid = rows["started"], rows["duration"], rows["ended_valid"]
    ended = started + duration
    with_key = started >= _us(_days_before(75))  # api_key_id and credentials columns came later
    user = rows["user"]
    key_choice = user * 2 + (rng.random(n) < 0.2)
    byok = people.byok[user] & with_key
    hint_central = pa.array(_CENTRAL_HINTS, pa.string())
    truth_hint = np.where(rows["truth"] >= 0, rows["truth"], _NONE)
    agents = [f'{{"user_agent":"{a}"}}' for a in _CLIENT_AGENT] + [f'{{"user_agent":"{_NULL_CLIENT_AGENT}"}}']

    interceptions_table = _table(
        "aibridge_interceptions",
        {
            "id": ids,
            "initiator_id": _take(people.ids, user),
            "provider": _take(_WIRES, rows["wire"]),
            "provider_name": _take(_NAMES, rows["name"]),
            "provider_id": _take([str(p.id) for p in PROVIDERS], rows["pid"]),
            "model": _take(_MODEL_NAMES, rows["model"]),
            "started_at": _ts(started),
            "ended_at": _ts(ended, ended_valid),
            "metadata": _take(agents, np.where(rows["client"] >= 0, rows["client"], len(_CLIENT_AGENT))),
            "api_key_id": _take(people.key_ids, np.where(with_key, key_choice, -1)),
            "client": _take(_CLIENTS, rows["client"]),
            "thread_parent_id": _take(ids, rows["parent"]),
            "thread_root_id": _take(ids, rows["root"]),
            "client_session_id": _take(session_ids, np.where(rows["session_has_id"], rows["session"], -1)),
            "credential_kind": _take(["centralized", "byok"], np.where(with_key, byok.astype(np.int64), -1)),
            "credential_hint": pc.if_else(
                pa.array(byok), _take(people.byok_hints, user), _take(hint_central, np.where(with_key, truth_hint, -1))
            ),
        },
    )

    method, resolved, mainline = _expectations(rows["pid"], rows["name"], rows["wire"], started)
    truth = rows["truth"]
    truth = np.where(truth == _NONE, -1, truth)
    ground_truth = _table(
        GROUND_TRUTH_TABLE,
        {
            "interception_id": ids,
            "true_provider_id": _take([str(p.id) for p in PROVIDERS], truth),
            "edge_case": _take(_LABELS, rows["label"]),
            "expected_method": _take(DEMO_METHODS, method),
            "expected_provider_id": _take([str(p.id) for p in PROVIDERS], resolved),
            "expected_method_without_provider_id": _take(DEMO_METHODS, mainline),
        },
    )

    children = _children(np.random.default_rng((seed, index, 1)), index, ids, rows, ended)
    empty_providers = SCHEMAS["ai_providers"].empty_table()
    return {
        "ai_providers": _providers_table() if index == 0 else empty_providers,
        "users": _users_table(seed, people) if index == 0 else SCHEMAS["users"].empty_table(),
        "ai_model_prices": _prices_table() if index == 0 else SCHEMAS["ai_model_prices"].empty_table(),
        "aibridge_interceptions": interceptions_table,
        **children,
        GROUND_TRUTH_TABLE: ground_truth,
    }


def _children(
    rng: np.random.Generator, index: int, ids: pa.StringArray, rows: dict[str, np.ndarray], ended: np.ndarray
) -> dict[str, pa.Table]:
    n = len(ids)
    started, duration, ended_valid, wire = rows["started"], rows["duration"], rows["ended_valid"], rows["wire"]
    anchor = _us(ANCHOR)
    # How far each request got: all of it if it ended, up to the anchor if it is still running.
    reached = np.where(ended_valid, duration, np.minimum(anchor - started, 120 * _US))
    anthropic = (wire == _WIRE_CODE["anthropic"]) | (wire == _WIRE_CODE["bedrock"])

    # Responses: 1-3 per ended request; a running one may have a first partial response.
    responses = np.where(ended_valid, _choice(rng, [60, 30, 10], n) + 1, rng.integers(0, 2, n))
    response_ids = pc.binary_join_element_wise(_take(_RESPONSE_PREFIX, np.repeat(wire, 3)), _hex_ids(rng, 3 * n), "")

    # Token usages, one per response.
    owner = np.repeat(np.arange(n), responses)
    j = np.arange(owner.size) - np.repeat(np.cumsum(responses) - responses, responses)
    t = owner.size
    a = anthropic[owner]
    cache_read = np.where(rng.random(t) < np.where(a, 0.75, 0.4), _lognormal(rng, 18000, 1.0, t, 1, 2e6), 0).astype(
        np.int64
    )
    cache_write = np.where(a & (rng.random(t) < 0.45), _lognormal(rng, 1500, 1.2, t, 1, 2e5), 0).astype(np.int64)
    ids_of_usages = _uuids(rng, t)
    tokens = np.stack(
        [
            _lognormal(rng, 2500, 1.3, t, 1, 400_000).astype(np.int64),
            _lognormal(rng, 250, 1.1, t, 1, 64_000).astype(np.int64),
            cache_read,
            cache_write,
        ],
        axis=1,
    )
    created = started[owner] + reached[owner] * (j + 1) // np.maximum(responses[owner], 1)
    # Recorded spend: no random draws, so every other column is what it was before spend.
    prices = _recorded_prices(rows["name"][owner], rows["model"][owner], created)
    priced = prices[:, 0] >= 0
    cost = (tokens * np.maximum(prices, 0)).sum(axis=1) // 1_000_000
    token_usages = _table(
        "aibridge_token_usages",
        {
            "id": ids_of_usages,
            "interception_id": _take(ids, owner),
            "provider_response_id": _take(response_ids, owner * 3 + j),
            "input_tokens": tokens[:, 0],
            "output_tokens": tokens[:, 1],
            "cache_read_input_tokens": cache_read,
            "cache_write_input_tokens": cache_write,
            "metadata": pa.nulls(t, pa.string()),
            "created_at": _ts(created),
            **{
                f"{kind}_price_micros": pa.array(prices[:, k], pa.int64(), mask=~priced)
                for k, kind in enumerate(PRICE_KINDS)
            },
            "cost_micros": pa.array(cost, pa.int64(), mask=~priced),
            "effective_group_id": pc.if_else(
                pa.array(created >= _us(_days_before(PRICING_DAYS))),
                _take(pa.array(DEMO_GROUPS, pa.string()), rows["user"][owner] % len(DEMO_GROUPS)),
                None,
            ),
            "provider_model": pa.nulls(t, pa.string()),
            "priced_model": pc.if_else(pa.array(priced), _take(_MODEL_NAMES, rows["model"][owner]), None),
        },
    )

    # User prompts: about one per request, recorded as it starts.
    has_prompt = rng.random(n) < 0.97
    if index == 0:
        has_prompt[: len(_SPECIAL_PROMPTS)] = True
    owner = np.flatnonzero(has_prompt)
    prompt = _choice(rng, _PROMPT_WEIGHTS, owner.size)
    if index == 0:
        prompt[: len(_SPECIAL_PROMPTS)] = _SPECIAL_PROMPTS
    user_prompts = _table(
        "aibridge_user_prompts",
        {
            "id": _uuids(rng, owner.size),
            "interception_id": _take(ids, owner),
            "provider_response_id": _take(response_ids, owner * 3),
            "prompt": _take(_PROMPTS, prompt),
            "metadata": pa.nulls(owner.size, pa.string()),
            "created_at": _ts(started[owner] + np.minimum(rng.integers(5_000, 200_000, owner.size), reached[owner])),
        },
    )

    # Tool usages: Poisson per request, about 30% injected (MCP, server_url set).
    calls = rng.poisson(np.where(ended_valid, 1.3, 0.3))
    calls = np.where(responses > 0, calls, 0)
    owner = np.repeat(np.arange(n), calls)
    u = owner.size
    injected = rng.random(u) < 0.3
    mcp = rng.integers(0, len(_MCP), u)
    local = rng.integers(0, len(_CLIENT_TOOLS), u)
    error = np.where(injected & (rng.random(u) < 0.08), rng.integers(0, len(_TOOL_ERRORS), u), -1)
    tool_usages = _table(
        "aibridge_tool_usages",
        {
            "id": _uuids(rng, u),
            "interception_id": _take(ids, owner),
            "provider_response_id": _take(response_ids, owner * 3 + rng.integers(0, np.maximum(responses[owner], 1))),
            "server_url": _take([s for s, _, _ in _MCP], np.where(injected, mcp, -1)),
            "tool": pc.if_else(
                pa.array(injected), _take([t for _, t, _ in _MCP], mcp), _take([t for t, _ in _CLIENT_TOOLS], local)
            ),
            "input": pc.if_else(
                pa.array(injected), _take([i for _, _, i in _MCP], mcp), _take([i for _, i in _CLIENT_TOOLS], local)
            ),
            "injected": pa.array(injected),
            "invocation_error": _take(_TOOL_ERRORS, error),
            "metadata": pa.nulls(u, pa.string()),
            "created_at": _ts(started[owner] + (rng.random(u) * reached[owner]).astype(np.int64)),
        },
    )

    # Model thoughts: some Anthropic-format requests that produced a response.
    owner = np.flatnonzero(anthropic & (responses > 0) & (rng.random(n) < 0.25))
    model_thoughts = _table(
        "aibridge_model_thoughts",
        {
            "interception_id": _take(ids, owner),
            "content": _take(_THOUGHTS, rng.integers(0, len(_THOUGHTS), owner.size)),
            "metadata": pa.nulls(owner.size, pa.string()),
            "created_at": _ts(started[owner] + (rng.random(owner.size) * reached[owner] * 0.5).astype(np.int64)),
        },
    )
    return {
        "aibridge_token_usages": token_usages,
        "aibridge_user_prompts": user_prompts,
        "aibridge_tool_usages": tool_usages,
        "aibridge_model_thoughts": model_thoughts,
    }


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate(interceptions: int, seed: int, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[dict[str, pa.Table]]:
    """Yield the demo history chunk by chunk: one Arrow table per table name in each chunk.

    Keys are the tables of ``schema.TABLES`` plus ``GROUND_TRUTH_TABLE``, columns named and ordered
    as declared there (UUIDs as canonical text, times as UTC timestamps), ready to load into DuckDB
    or PostgreSQL. ai_providers, users and ai_model_prices come whole in the first chunk and empty
    in the others. Each chunk holds ``chunk_size`` interceptions with their child rows, sessions and
    threads and depends only on (interceptions, seed, chunk index, chunk_size): the output is
    deterministic, and memory is bounded by one chunk whatever ``interceptions`` is.
    """
    _check(interceptions, seed)
    if chunk_size < MIN_INTERCEPTIONS:
        raise UsageError(f"chunk_size must be >= {MIN_INTERCEPTIONS}, got {chunk_size!r}")
    people = _people(seed)
    for index in range(-(-interceptions // chunk_size)):
        yield _chunk(interceptions, seed, index, chunk_size, people)


def demo_tables(interceptions: int, seed: int, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> dict[str, pl.DataFrame]:
    """The whole demo history in memory as Polars frames (for tests and small datasets)."""
    chunks = list(generate(interceptions, seed, chunk_size=chunk_size))
    # from_arrow gives a DataFrame for a table (its Series is for arrays).
    return {name: cast(pl.DataFrame, pl.from_arrow(pa.concat_tables([c[name] for c in chunks]))) for name in SCHEMAS}


@dataclass
class DemoSummary:
    """What a demo build holds: counts per table, per edge-case label and per expected method."""

    path: Path | None
    interceptions: int
    seed: int
    tables: dict[str, int] = field(default_factory=dict)
    edge_cases: dict[str, int] = field(default_factory=dict)
    expected_methods: dict[str, int] = field(default_factory=dict)
    #: label -> {expected strict method -> rows}; one method per label by construction.
    methods_by_edge_case: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for a terminal: sizes and how many rows each strict method should get."""
        tables = ", ".join(f"{k} {v:,}" for k, v in self.tables.items() if k != GROUND_TRUTH_TABLE)
        methods = ", ".join(f"{m} {self.expected_methods[m]:,}" for m in DEMO_METHODS if m in self.expected_methods)
        return (
            f"{self.interceptions:,} interceptions (seed {self.seed}, {len(self.edge_cases)} edge-case "
            f"labels) in {self.seconds:.1f}s; tables: {tables}; expected methods: {methods}"
        )

    def add(self, chunk: Mapping[str, pa.Table]) -> None:
        for name, table in chunk.items():
            self.tables[name] = self.tables.get(name, 0) + table.num_rows
        gt = chunk[GROUND_TRUTH_TABLE]
        pairs = pa.Table.from_arrays([gt["edge_case"], gt["expected_method"]], ["e", "m"])
        for row in pairs.group_by(["e", "m"]).aggregate([([], "count_all")]).to_pylist():
            e, m, c = row["e"], row["m"], row["count_all"]
            self.edge_cases[e] = self.edge_cases.get(e, 0) + c
            self.expected_methods[m] = self.expected_methods.get(m, 0) + c
            per = self.methods_by_edge_case.setdefault(e, {})
            per[m] = per.get(m, 0) + c
        # Stable, documented order: labels as in PLANTED_EDGE_CASES, methods as in DEMO_METHODS.
        self.edge_cases = {k: self.edge_cases[k] for k in _LABELS if k in self.edge_cases}
        self.expected_methods = {k: self.expected_methods[k] for k in DEMO_METHODS if k in self.expected_methods}
        self.methods_by_edge_case = {k: self.methods_by_edge_case[k] for k in _LABELS if k in self.methods_by_edge_case}


def build_demo(
    path: Path | str,
    interceptions: int = 20_000,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> DemoSummary:
    """Write a complete demo warehouse (Coder's tables, ground truth, warehouse_meta) to ``path``.

    The file is built beside ``path`` and moved into place only when complete; an error or an
    interruption leaves the previous file (or none) untouched. ``progress(done, total)`` is called
    after each chunk with interceptions written so far.
    """
    _check(interceptions, seed)
    began = time.perf_counter()
    summary = DemoSummary(Path(path), int(interceptions), int(seed))
    with store.replacing(path) as con:
        store.create_schema(con, keys=False)
        con.execute(duckdb_ddl(GROUND_TRUTH_TABLE, GROUND_TRUTH_COLUMNS))
        if progress:
            progress(0, interceptions)
        done = 0
        for chunk in generate(interceptions, seed, chunk_size=chunk_size):
            for name, table in chunk.items():
                if table.num_rows:
                    con.register("_demo_chunk", table)
                    load = exp.insert(exp.select("*").from_("_demo_chunk"), exp.to_table(name))
                    con.execute(render_statement(f"load {name}", load, "duckdb").sql)
                    con.unregister("_demo_chunk")
            summary.add(chunk)
            done += chunk["aibridge_interceptions"].num_rows
            if progress:
                progress(done, interceptions)
        meta = {
            "kind": "demo",
            "seed": str(seed),
            "interceptions": str(interceptions),
            "generator_version": GENERATOR_VERSION,
            "anchor": ANCHOR.isoformat(),
            "migration_instant": MIGRATION_INSTANT.isoformat(),
            "chunk_size": str(chunk_size),
        }
        con.executemany(f"INSERT INTO {store.META_TABLE} VALUES (?, ?)", list(meta.items()))
        # One index build per table once the data is in, rather than maintaining it row by row.
        store.add_primary_keys(con)
        facts.refresh_open(con)
    summary.seconds = time.perf_counter() - began
    return summary
