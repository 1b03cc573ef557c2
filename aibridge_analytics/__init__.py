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

from . import edge_cases
from .attribution import METHODS, WARNINGS, attribute
from .catalogue import Probe, render
from .engines import Connection
from .errors import (
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
from .interceptions import Filters, count_interceptions, count_sessions, list_interceptions, list_providers, list_sessions
from .report import build_report
from .sources import connect
from .summaries import summary, summary_completeness
from .sync import snapshot, sync
from .verification import VerificationReport, backfill, coder_filter_report, verify_backfill

__version__ = "0.1.0"

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
    "build_report",
    "backfill",
    "coder_filter_report",
    "connect",
    "count_interceptions",
    "count_sessions",
    "edge_cases",
    "list_interceptions",
    "list_providers",
    "list_sessions",
    "render",
    "snapshot",
    "summary",
    "summary_completeness",
    "sync",
    "verify_backfill",
    "__version__",
]
