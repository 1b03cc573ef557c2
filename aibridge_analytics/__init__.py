"""aibridge-analytics: provider attribution, backfill verification and summaries for Coder's AI Bridge.

The notebook user's entry point::

    import aibridge_analytics as aa
    con = aa.connect()                 # the demo warehouse; or a .duckdb path, postgresql://..., ...
    aa.list_providers(con)             # every provider, live and soft-deleted, with its id
    aa.attribute(con)                  # one row per interception: provider, method, warnings
    aa.count_interceptions(con, aa.Filters(provider_id="..."), mode="coder")
    aa.summary(con, by=["provider", "model"], tz="Europe/Berlin")   # per-provider figures
    aa.build_report(con, "report/", since="7d")                     # the scheduled report
    aa.verify_backfill(con)            # the provider_id backfill checked row by row
    aa.sync("postgresql://...", "history.duckdb")                   # keep history past retention
    aa.edge_cases.counts(con)          # the legacy-row attribution cases found in a source

Every function returns Polars DataFrames (or plain numbers) and raises `AibridgeError` subclasses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it. Imported on first use, so that ``import
#: aibridge_analytics`` (and the command line's ``--help``) does not load DuckDB, Polars or sqlglot.
_EXPORTS = {
    "edge_cases": "aibridge_analytics.pipelines.edge_cases",
    "METHODS": "aibridge_analytics.pipelines.attribution",
    "WARNINGS": "aibridge_analytics.pipelines.attribution",
    "attribute": "aibridge_analytics.pipelines.attribution",
    "Probe": "aibridge_analytics.catalogue",
    "render": "aibridge_analytics.catalogue",
    "Connection": "aibridge_analytics.sources.connection",
    "connect": "aibridge_analytics.sources.kinds",
    **dict.fromkeys(
        (
            "AibridgeError",
            "ConnectionFailed",
            "ExportError",
            "OutputError",
            "SchemaError",
            "SourceError",
            "SqlError",
            "UnknownProviderError",
            "UsageError",
            "ValidationFailed",
        ),
        "aibridge_analytics.errors",
    ),
    **dict.fromkeys(
        ("Filters", "count_interceptions", "count_sessions", "list_interceptions", "list_providers", "list_sessions"),
        "aibridge_analytics.pipelines.interceptions",
    ),
    "build_report": "aibridge_analytics.outputs.report",
    "summary": "aibridge_analytics.pipelines.summaries",
    "what_if": "aibridge_analytics.pipelines.spend",
    "read_price_book": "aibridge_analytics.pipelines.prices",
    "reconcile": "aibridge_analytics.pipelines.spend",
    "summary_completeness": "aibridge_analytics.pipelines.summaries",
    "snapshot": "aibridge_analytics.warehouse.sync",
    "sync": "aibridge_analytics.warehouse.sync",
    **dict.fromkeys(
        ("VerificationReport", "backfill", "coder_filter_report", "verify_backfill"),
        "aibridge_analytics.pipelines.verification",
    ),
}

__all__ = [
    "AibridgeError",
    "Connection",
    "ConnectionFailed",
    "ExportError",
    "Filters",
    "METHODS",
    "OutputError",
    "Probe",
    "SchemaError",
    "SourceError",
    "SqlError",
    "UnknownProviderError",
    "UsageError",
    "ValidationFailed",
    "VerificationReport",
    "WARNINGS",
    "attribute",
    "backfill",
    "build_report",
    "coder_filter_report",
    "connect",
    "count_interceptions",
    "count_sessions",
    "edge_cases",
    "list_interceptions",
    "list_providers",
    "list_sessions",
    "read_price_book",
    "reconcile",
    "render",
    "snapshot",
    "summary",
    "summary_completeness",
    "sync",
    "verify_backfill",
    "what_if",
    "__version__",
]

if TYPE_CHECKING:
    from aibridge_analytics.catalogue import Probe, render
    from aibridge_analytics.errors import (
        AibridgeError,
        ConnectionFailed,
        ExportError,
        OutputError,
        SchemaError,
        SourceError,
        SqlError,
        UnknownProviderError,
        UsageError,
        ValidationFailed,
    )
    from aibridge_analytics.outputs.report import build_report
    from aibridge_analytics.pipelines import edge_cases
    from aibridge_analytics.pipelines.attribution import METHODS, WARNINGS, attribute
    from aibridge_analytics.pipelines.interceptions import (
        Filters,
        count_interceptions,
        count_sessions,
        list_interceptions,
        list_providers,
        list_sessions,
    )
    from aibridge_analytics.pipelines.prices import read_price_book
    from aibridge_analytics.pipelines.spend import reconcile, what_if
    from aibridge_analytics.pipelines.summaries import summary, summary_completeness
    from aibridge_analytics.pipelines.verification import (
        VerificationReport,
        backfill,
        coder_filter_report,
        verify_backfill,
    )
    from aibridge_analytics.sources.connection import Connection
    from aibridge_analytics.sources.kinds import connect
    from aibridge_analytics.warehouse.sync import snapshot, sync


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aibridge_analytics' has no attribute {name!r}")
    imported = importlib.import_module(module)
    value = imported if name == "edge_cases" else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
