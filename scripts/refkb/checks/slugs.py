"""`unsafe-slug`: every name that becomes part of an address or an id — topic slugs (mkdocs.yml), the coding's
values and platform categories (the vocabularies file), claim ids (claims.yml) — is a safe slug, lower-case letters,
digits and hyphens. A topic slug such as `../javascript:alert(1);/a` would otherwise become a page path and a link.
Each is reported where it is written: its line and column in mkdocs.yml (or the file mkdocs.yml INHERITs it from) and
in the vocabularies file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .. import kbdata, safeyaml
from ..model import Issue, Position
from ..project import Project, config_files
from .codes import issue

SAFE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CLAIM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def _text(path: Path) -> str:
    try:
        return safeyaml.decode(path.read_bytes())
    except (OSError, safeyaml.YamlError):
        return ""


def _topic_place(project: Project, index: int) -> tuple[str, Position]:
    """Where the `index`th topic's slug is written: extra.refkb.topics (or the plugin's topics option) in mkdocs.yml
    or a file it INHERITs; mkdocs.yml:1:1 when it is not found there (a vocabularies file's topics)."""
    for file in config_files(project.root / "mkdocs.yml"):
        text = _text(file)
        for where in (("extra", "refkb", "topics"), ("plugins", "refkb", "topics")):
            at = safeyaml.locate(text, (*where, index, "slug"))
            if at is not None:
                return project.relative(file), at
    return "mkdocs.yml", Position(1, 1)


def check(project: Project, data: kbdata.Data) -> Iterator[Issue]:
    fix = "use lower-case letters, digits and hyphens only"
    for i, t in enumerate(project.topics):
        if not SAFE.match(t.slug):
            path, at = _topic_place(project, i)
            message = f"topic slug {t.slug[:60]!r} is not a safe slug"
            yield issue(path, at.line, at.col, "unsafe-slug", t.slug[:40], message, fix)
    scheme = project.coding
    if scheme is not None:
        text = _text(project.root / scheme.source) if scheme.source else ""
        values = [("platform category", "platform_categories", i, c.slug) for i, c in enumerate(scheme.categories)]
        values += [(d.name, d.name, i, v.slug) for d in scheme.dimensions for i, v in enumerate(d.values)]
        for what, group, i, slug in values:
            if not SAFE.match(slug):
                at = safeyaml.locate(text, (group, i, "slug")) or Position(1, 1)
                message = f"{what} value {slug[:60]!r} is not a safe slug"
                yield issue(scheme.source or "coding.yml", at.line, at.col, "unsafe-slug", slug[:40], message, fix)
    claims = project.relative(project.docs / "claims.yml")
    for c in data.claims:
        if not CLAIM_ID.match(c.id):
            yield issue(
                claims,
                c.line,
                1,
                "unsafe-slug",
                c.id[:40],
                f"claim id {c.id[:60]!r} is not a safe id",
                "use letters, digits, hyphens and underscores only (c01)",
            )
