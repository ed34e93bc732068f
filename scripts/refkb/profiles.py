"""Profiles: which of refkb's rules a site holds itself to, apart from the mechanism that checks them.

`bibtex` (the default) checks a bibliography as BibTeX and biblatex allow it: keys in any case (`AntoEtal24`,
`Smith:2020a`), each named in addresses and files by its slug (`keys.slug`); annotation pages optional, checked when
present; no field beyond the data model's required; an error in what a work says that a style can still print as
written (`checks.codes.CONTENT`: pages = {PS-2B.16}, an @inproceedings without booktitle, a year of '535 BCE') is a
warning, as BibTeX warns and prints it. Syntax errors, duplicate or colliding keys, unsafe values, broken
inheritance and the site's own files stop the build under every profile.

`knowledge-base` adds the rules of a verified knowledge base: the key convention `<surname><year><word>` in lower
case, an annotation page per entry with verification front matter and five sections, topics and a kind of source on
every entry, urldate on every online source, the do-no-harm checks on docs pages (no phone numbers, e-mail addresses
or social-media handles), and every content error stops the build.

A site picks one with `extra.refkb.profile` (or the plugin's `profile` option).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    key_convention: bool  # keys are safe slugs (unsafe-key) that follow <author><year><word> (key-convention)
    annotations_required: bool  # a page per entry (missing-annotation), verified_at/verified_on, five sections
    kb_fields: bool  # every entry carries keywords topics (missing-topic) and a sourcekind (missing-sourcekind)
    online_urldate: bool  # every @online entry carries urldate (missing-urldate)
    do_no_harm: bool  # no phone numbers, e-mail addresses or handles in docs/ (phone-number, ...)
    content_errors: bool  # checks.codes.CONTENT stop the build (else they are warnings: BibTeX prints such values)


BIBTEX = Profile("bibtex", False, False, False, False, False, False)
KNOWLEDGE_BASE = Profile("knowledge-base", True, True, True, True, True, True)
PROFILES = {p.name: p for p in (BIBTEX, KNOWLEDGE_BASE)}
DEFAULT = BIBTEX
