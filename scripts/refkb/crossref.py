"""DOI metadata from Crossref's REST API (`/works/<doi>`), as BibTeX fields in our conventions.

The base URL comes from `REFKB_CROSSREF_URL` (default https://api.crossref.org), so tests serve recorded responses
from 127.0.0.1 and never reach the internet.
"""

from __future__ import annotations

import html
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from . import __version__

DEFAULT_BASE = "https://api.crossref.org"
USER_AGENT = f"refkb/{__version__} (research knowledge base tooling)"

TYPES = {
    "journal-article": "article", "proceedings-article": "inproceedings", "book": "book", "monograph": "book",
    "edited-book": "book", "book-chapter": "incollection", "book-section": "incollection", "report": "report",
    "report-series": "report", "dissertation": "thesis", "dataset": "dataset", "posted-content": "online",
    "reference-entry": "inreference", "standard": "standard",
}  # fmt: skip


class Offline(Exception):
    """Crossref could not be reached (no network, DNS failure, timeout)."""


class NotFound(Exception):
    """Crossref does not know the DOI."""


def fetch(doi: str, timeout: float = 5.0) -> dict[str, Any]:
    """The `message` of Crossref's answer for `doi`."""
    base = os.environ.get("REFKB_CROSSREF_URL", DEFAULT_BASE).rstrip("/")
    url = f"{base}/works/{urllib.parse.quote(doi, safe='/')}"
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotFound(doi) from exc
        raise Offline(f"Crossref answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Offline(str(getattr(exc, "reason", exc))) from exc
    except ValueError as exc:
        raise Offline(f"Crossref's answer is not JSON ({exc})") from exc
    message = data.get("message") if isinstance(data, dict) else None
    if not isinstance(message, dict):
        raise NotFound(doi)
    return message


_TAG = re.compile(r"<[^>]+>")
_TEX_SPECIAL = re.compile(r"(?<!\\)([&%$#_])")


def tex(text: str) -> str:
    """Crossref text (which may hold JATS/HTML markup and entities) as a BibTeX value."""
    plain = html.unescape(_TAG.sub("", text))
    plain = " ".join(plain.split())
    plain = _TEX_SPECIAL.sub(r"\\\1", plain)
    return plain.replace("{", "").replace("}", "")


def _date(message: dict[str, Any]) -> str:
    for field in ("published-print", "published-online", "published", "issued", "created"):
        parts = (message.get(field) or {}).get("date-parts") or [[]]
        first = [p for p in parts[0] if p is not None] if parts and parts[0] else []
        if first:
            return "-".join([f"{first[0]:04d}", *(f"{p:02d}" for p in first[1:3])])
    return ""


def _people(people: list[dict[str, Any]]) -> str:
    names = []
    for p in people:
        if p.get("family"):
            given = tex(p.get("given", ""))
            names.append(f"{tex(p['family'])}, {given}" if given else tex(p["family"]))
        elif p.get("name"):
            names.append("{{" + tex(p["name"]) + "}}")
    return " and ".join(names)


def to_fields(message: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(entry type, fields) for a Crossref work."""
    kind = TYPES.get(str(message.get("type", "")), "misc")
    fields: dict[str, str] = {}
    if message.get("author"):
        fields["author"] = _people(message["author"])
    if message.get("editor") and kind in ("book", "incollection", "inproceedings"):
        fields["editor"] = _people(message["editor"])
    titles = message.get("title") or []
    if titles:
        title = tex(titles[0])
        subtitle = (message.get("subtitle") or [""])[0]
        fields["title"] = f"{title}: {tex(subtitle)}" if subtitle and subtitle.lower() not in title.lower() else title
    container = (message.get("container-title") or [""])[0]
    if container:
        fields[{"article": "journaltitle", "inproceedings": "booktitle", "incollection": "booktitle"}.get(
            kind, "journaltitle" if kind == "misc" else "booktitle")] = tex(container)  # fmt: skip
    for source, target in (("volume", "volume"), ("issue", "number"), ("publisher", "publisher")):
        if message.get(source):
            fields[target] = tex(str(message[source]))
    if kind == "report" and "publisher" in fields:
        fields["institution"] = "{" + fields.pop("publisher") + "}"
        fields["type"] = "Report"
    if message.get("page"):
        fields["pages"] = str(message["page"]).replace("-", "--").replace("–", "--")
    date = _date(message)
    if date:
        fields["date"] = date
    if message.get("DOI"):
        fields["doi"] = str(message["DOI"]).lower()
    for source, target in (("ISSN", "issn"), ("ISBN", "isbn")):
        values = message.get(source) or []
        if values:
            fields[target] = str(values[0])
    return kind, fields


def fetch_fields(doi: str) -> tuple[str, dict[str, str]]:
    return to_fields(fetch(doi))
