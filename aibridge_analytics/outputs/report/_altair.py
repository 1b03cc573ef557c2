"""altair, imported without the IRI grammars that jsonschema would compile for it.

altair validates chart specs with jsonschema, whose format checkers import ``rfc3987_syntax``
when it is installed (Jupyter's packages install it). That import compiles 38 grammars: about
3 CPU seconds, the largest part of a report's fixed cost, for ``iri`` formats that no Vega-Lite
spec uses. It is kept out while altair and jsonschema load, and allowed again afterwards, so
that anything else in the process can still import it.
"""

from __future__ import annotations

import sys

_SKIPPED = "rfc3987_syntax"

_blocked = _SKIPPED not in sys.modules
if _blocked:
    # None in sys.modules makes an import raise ImportError, which jsonschema expects and skips.
    sys.modules[_SKIPPED] = None  # type: ignore[assignment]
try:
    import altair as alt
finally:
    if _blocked:
        del sys.modules[_SKIPPED]

__all__ = ["alt"]
