"""Errors raised by aibridge-analytics.

One root, so a caller (the CLI, a notebook, a scheduler) can catch everything this package raises
on purpose, and tell user mistakes from broken data::

    AibridgeError
    ├── UsageError (also ValueError)        a bad argument: malformed UUID, unknown key, bad range
    │   └── UnknownProviderError            a provider id that no ai_providers row has
    ├── SourceError                         a source that cannot be opened or read
    │   ├── ConnectionFailed                a database that refuses or cannot be reached
    │   └── SchemaError                     a source missing a required table or with a wrong type
    ├── SqlError                            a catalogue query that is unknown, unportable or badly bound
    ├── WarehouseError                      the local warehouse cannot be written (disk full, I/O error)
    ├── ExportError (also ValueError)       a truncated or invalid JSON export, conflicting duplicates
    ├── OutputError                         an output (--out, a report directory) that cannot or must not be written
    └── ValidationFailed                    rows breaking their schema (one line; example rows in .details)

Messages name no command-line flag: a notebook sees them too. Where a flag is the fix, the error
carries it as ``cli_hint``, which the CLI appends. The CLI turns any of them into exit code 1 and a
single line; ``--debug`` shows the traceback.
An interrupt (SIGINT, Ctrl-C) is not an error: it stays ``KeyboardInterrupt`` (exit code 130).
"""

from __future__ import annotations

from typing import Self


class AibridgeError(Exception):
    """Root of every error this package raises on purpose."""

    #: The fix as command-line flags (``--mode strict``), appended by the CLI to the message.
    cli_hint: str | None = None

    def with_cli_hint(self, hint: str) -> Self:
        """This error with :attr:`cli_hint` set: ``raise UsageError(...).with_cli_hint("pass --x")``."""
        self.cli_hint = hint
        return self


class UsageError(AibridgeError, ValueError):
    """A bad argument given by the user; the message names the value and the fix."""


class UnknownProviderError(UsageError):
    """A provider id that no (live, where required) ai_providers row has."""


class SourceError(AibridgeError):
    """A source that does not exist, cannot be opened or cannot be read."""


class ConnectionFailed(SourceError):
    """A database server that refused the connection or could not be reached."""


class SchemaError(SourceError):
    """A source whose tables or column types are not what Coder's schema allows."""


class SqlError(AibridgeError):
    """A catalogue query that is unknown, uses a non-portable construct or is badly bound."""


class ExportError(AibridgeError, ValueError):
    """An export file that is truncated, invalid, or conflicts with itself."""


class ValidationFailed(AibridgeError):
    """Rows that break their schema: the message is one line naming each problem and its count;
    ``details`` holds a line per problem with example rows (the CLI shows them with ``-v``, and
    they are the exception's notes, so a traceback shows them too)."""

    def __init__(self, message: str, details: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)
        for line in self.details:
            self.add_note(line)


class OutputError(AibridgeError):
    """An output that cannot be written (a full or read-only disk) or must not be (a directory, a socket,
    a directory that is not a report); the message names the path and the problem."""


class WarehouseError(AibridgeError):
    """The local warehouse cannot be written (disk full, I/O error, memory limit); what was being
    written is rolled back."""


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is an interrupt (SIGINT, Ctrl-C), also one that a driver reported as its own
    error: DuckDB raises ``RuntimeError: Query interrupted`` from the KeyboardInterrupt, or its
    ``InterruptException``."""
    return (
        isinstance(exc, KeyboardInterrupt)
        or type(exc).__name__ == "InterruptException"
        or isinstance(exc.__cause__, KeyboardInterrupt)
        or isinstance(exc.__context__, KeyboardInterrupt)
    )


def first_line(exc: BaseException) -> str:
    """The first line of a driver's or the OS's error message (the class name if it has none):
    what goes after "failed: " in this package's one-line errors."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
