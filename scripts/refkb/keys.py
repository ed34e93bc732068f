"""Citation keys as names of pages and files.

A BibTeX key may hold any case and most punctuation (`AntoEtal24`, `smith:2020`); a page address and a file name
need a safe slug. `slug` derives one (lowercase ASCII letters, digits and hyphens); two keys whose slugs are the same
are reported by the checks (`slug-collision`), never silently merged. A key that already is a safe slug (every key of
the knowledge-base profile) is its own slug.
"""

from __future__ import annotations

import re
import unicodedata

SAFE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NOT_SAFE = re.compile(r"[^a-z0-9]+")


def slug(key: str) -> str:
    """The key's slug: the key itself when it is safe, else folded to ASCII, lowercased, with each run of other
    characters made one hyphen ('entry' when nothing is left)."""
    if SAFE.match(key):
        return key
    folded = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_SAFE.sub("-", folded).strip("-") or "entry"
