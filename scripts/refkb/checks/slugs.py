"""`unsafe-slug`: every name that becomes part of an address or an id — topic slugs (mkdocs.yml), the coding's
values and platform categories (the vocabularies file), claim ids (claims.yml) — is a safe slug, lower-case letters,
digits and hyphens. A topic slug such as `../javascript:alert(1);/a` would otherwise become a page path and a link."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import kbdata
from ..model import Issue
from ..project import Project
from .codes import issue

SAFE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
CLAIM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


def _line_of(text: str, slug: str) -> int:
    at = text.find(f"slug: {slug}")
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def check(project: Project, data: kbdata.Data) -> Iterator[Issue]:
    fix = "use lower-case letters, digits and hyphens only"
    for t in project.topics:
        if not SAFE.match(t.slug):
            yield issue(
                "mkdocs.yml", 1, 1, "unsafe-slug", t.slug[:40], f"topic slug {t.slug[:60]!r} is not a safe slug", fix
            )
    scheme = project.coding
    if scheme is not None:
        path = project.root / scheme.source if scheme.source else None
        text = path.read_text(encoding="utf-8", errors="replace") if path is not None and path.is_file() else ""
        values = [("platform category", c.slug) for c in scheme.categories]
        values += [(d.name, v.slug) for d in scheme.dimensions for v in d.values]
        for what, slug in values:
            if not SAFE.match(slug):
                yield issue(
                    scheme.source or "coding.yml",
                    _line_of(text, slug),
                    1,
                    "unsafe-slug",
                    slug[:40],
                    f"{what} value {slug[:60]!r} is not a safe slug",
                    fix,
                )
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
