"""What runs: a rendered statement and the values its driver binds, and the binding of given
values to a query's declared parameters.

Kept apart from the renderer so that a statement taken from the render cache (`cache`) is bound
and run without importing sqlglot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from aibridge_analytics.catalogue import values
from aibridge_analytics.errors import SqlError


@dataclass(frozen=True)
class Rendered:
    """A query rendered for one engine, with the values the driver binds."""

    name: str
    dialect: str
    sql: str
    params: Mapping[str, Any]

    def display(self) -> str:
        """The SQL followed by its bound parameters, as ``sql render`` prints them."""
        lines = [self.sql.rstrip() + ";", "", "-- bound parameters:"]
        if not self.params:
            lines.append("--   (none)")
        for key, value in self.params.items():
            shown = value.isoformat() if hasattr(value, "isoformat") else value
            lines.append(f"--   {key} = {shown!r}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Statement:
    """A catalogue query rendered for one engine with its values left to bind: its text, the
    parameters it declares (its own and those of the relations it reads), and those it uses."""

    name: str
    dialect: str
    sql: str
    spec: Mapping[str, Declared]
    #: The declared parameters the text holds a placeholder for, in the order of ``spec``.
    used: tuple[str, ...]

    def bind(self, params: Mapping[str, Any] | None = None, *, bind: bool = True) -> Rendered:
        """The statement with ``params`` bound (see `bind_values`); ``bind=False`` leaves every value
        NULL, for showing the text alone."""
        bound = bind_values(self.spec, params or {}, self.name) if bind else dict.fromkeys(self.spec)
        return Rendered(self.name, self.dialect, self.sql, {k: bound[k] for k in self.used})


class Declared(Protocol):
    """What binding reads of a declared parameter (`loader.Param`)."""

    @property
    def kind(self) -> str: ...

    @property
    def optional(self) -> bool: ...

    @property
    def default(self) -> str | None: ...


def bind_values(spec: Mapping[str, Declared], given: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The value of each parameter of ``spec`` (name -> declaration) for query ``name``: the
    ``given`` one coerced to its kind, else its default, else NULL where it is optional. An unknown
    or missing parameter, or NULL for a required one, is a one-line SqlError."""
    unknown = sorted(set(given) - set(spec))
    if unknown:
        takes = ", ".join(sorted(spec)) or "none"
        raise SqlError(f"{name}: unknown parameter(s) {', '.join(unknown)}; it takes {takes}")
    bound = {}
    for pname, declared in spec.items():
        if pname in given:
            raw = given[pname]
        elif declared.default is not None:
            raw = declared.default
        elif declared.optional:
            raw = None
        else:
            raise SqlError(f"{name}: missing parameter :{pname} ({declared.kind})")
        if raw is None and not declared.optional:
            raise SqlError(f"{name}: parameter :{pname} may not be null")
        bound[pname] = values.coerce(declared.kind, raw, pname)
    return bound
