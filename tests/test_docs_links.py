"""The README's and docs' links lead somewhere: every relative link names a file of the checkout,
and every ``#anchor`` a heading of the file it points into, as GitHub renders them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def prose(text: str) -> list[str]:
    """The lines of a Markdown page outside fenced code blocks (a shell comment there is no heading)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``page``: lower case, punctuation dropped, spaces
    as hyphens, a repeated heading numbered from ``-1``."""
    seen: dict[str, int] = {}
    found = set()
    for line in prose(page.read_text()):
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(page: Path) -> list[str]:
    """The link targets of ``page`` that stay inside the checkout (no scheme such as https:)."""
    targets = [t for line in prose(page.read_text()) for t in LINK.findall(line)]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_the_slugs_follow_github():
    """The slug rule on headings as the README writes them (code spans, colons, a pipe)."""
    page = ROOT / "README.md"
    found = anchors(page)
    assert "the-facts-what-every-figure-reads" in found
    assert "backfill-verification-verify-backfill" in found
    assert "the-provider-filter---mode-strictcoder" in found
    # A crontab comment inside a code block is not a heading.
    assert not any(a.startswith("m-h-dom") for a in found)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path):
    """Each relative link of the page names an existing file, and its anchor a heading there."""
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        into = (page.parent / path).resolve() if path else page
        if not into.exists():
            broken.append(f"{target}: no file {into.relative_to(ROOT) if into.is_relative_to(ROOT) else into}")
        elif anchor and into.suffix == ".md" and anchor not in anchors(into):
            broken.append(f"{target}: no heading #{anchor} in {into.relative_to(ROOT)}")
    assert links(page) or page.name != "README.md", "the README links nowhere: the link pattern is wrong"
    assert not broken, "\n".join(broken)
