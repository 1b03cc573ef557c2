"""Pipelines: the questions the product answers, each a catalogue query plus Polars and pandera.

`attribution` (which provider served each row, and why), `interceptions` (Coder's and the strict
provider filters, listings and counts), `verification` (the provider_id backfill checked row by
row), `summaries` (per-provider figures), `edge_cases` (the legacy-row cases found in a source) and
`schemas` (the pandera models every result is validated against).
"""
