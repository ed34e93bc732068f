"""The verification trail (`verified_at`): links on hosts readers should not have to trust.

A copy on a scraper, spam or document-dump site, a test server or an adult-industry site may be all that was stored
of a work; it is then kept, but marked: written as `{url: …, note: …}`, with the note saying why. An unmarked one is
a `low-trust-host` warning; a piracy host is refused anywhere (`piracy-host`)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import annotation, hosts
from ..model import Issue
from .codes import issue


def check(path: str, note: annotation.Annotation) -> Iterator[Issue]:
    start = note.meta_lines.get("verified_at", 2)
    text_lines: list[str] = []  # the page's lines, split when a link is found on a host to report
    for link in note.trail:
        host = hosts.classify(link.url)
        if host is None or not (host.kind == "piracy" or (host.kind == "low-trust" and not link.note)):
            continue  # nothing to report: the link's line is not looked for
        text_lines = text_lines or note.text.split("\n")
        line = next((n + 1 for n in range(start - 1, len(text_lines)) if link.url in text_lines[n]), start)
        name = hosts.host_of(link.url)
        if host.kind == "piracy":
            fix = "remove the link; cite the publisher's page or the DOI"
            yield issue(path, line, 1, "piracy-host", note.key, f"verified_at links {name}: {host.reason}", fix)
        elif host.kind == "low-trust" and not link.note:
            yield issue(
                path,
                line,
                1,
                "low-trust-host",
                note.key,
                f"verified_at links {name}: {host.reason}",
                "link the issuer's or publisher's stored page instead; if none is stored, keep the copy as "
                '{url: "…", note: "why this copy is kept"}',
            )
