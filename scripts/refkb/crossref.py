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
from .errors import RefkbError

DEFAULT_BASE = "https://api.crossref.org"
USER_AGENT = f"refkb/{__version__} (research knowledge base tooling)"

TYPES = {
    "journal-article": "article",
    "proceedings-article": "inproceedings",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "book-chapter": "incollection",
    "book-section": "incollection",
    "report": "report",
    "report-series": "report",
    "dissertation": "thesis",
    "dataset": "dataset",
    "posted-content": "online",
    "reference-entry": "inreference",
    "standard": "standard",
}


class Offline(RefkbError):
    """Crossref could not be reached (no network, DNS failure, timeout)."""


class NotFound(RefkbError):
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


# Crossref's answer is data from the network: every value is checked for its type before use (a list where text
# belongs, a number where a list belongs), and nothing that could close a BibTeX value (a brace) reaches a field.
_PAGES = re.compile(r"^[A-Za-z]?\d+(?:\s*[-–—]+\s*[A-Za-z]?\d+)?$")
_IDENT = re.compile(r"^[0-9Xx-]{8,17}$")


def _text(value: object) -> str:
    if isinstance(value, str):
        return tex(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def _first(value: object) -> str:
    """The first text of a Crossref list (title, container-title, ISSN…), or the text itself."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return value if isinstance(value, str) else ""


def _date(message: dict[str, Any]) -> str:
    for field in ("published-print", "published-online", "published", "issued", "created"):
        block = message.get(field)
        parts = block.get("date-parts") if isinstance(block, dict) else None
        first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
        numbers = [p for p in first[:3] if isinstance(p, int) and not isinstance(p, bool)]
        whole = numbers and len(numbers) == len([p for p in first[:3] if p is not None])
        if (
            whole
            and 0 < numbers[0] < 10000
            and all(0 < p <= top for p, top in zip(numbers[1:], (12, 31), strict=False))
        ):
            return "-".join([f"{numbers[0]:04d}", *(f"{p:02d}" for p in numbers[1:])])
    return ""


def _people(people: object) -> str:
    names = []
    for p in people if isinstance(people, list) else []:
        if not isinstance(p, dict):
            continue
        family, given, name = (
            tex(v) if isinstance(v, str) else "" for v in (p.get(k) for k in ("family", "given", "name"))
        )
        if family:
            names.append(f"{family}, {given}" if given else family)
        elif name:
            names.append("{{" + name + "}}")
    return " and ".join(names)


def to_fields(message: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """(entry type, fields) for a Crossref work; values of an unexpected type are left out."""
    kind = TYPES.get(message.get("type", "") if isinstance(message.get("type"), str) else "", "misc")
    fields: dict[str, str] = {}
    if _people(message.get("author")):
        fields["author"] = _people(message.get("author"))
    if kind in ("book", "incollection", "inproceedings") and _people(message.get("editor")):
        fields["editor"] = _people(message.get("editor"))
    title = tex(_first(message.get("title")))
    if title:
        subtitle = tex(_first(message.get("subtitle")))
        fields["title"] = f"{title}: {subtitle}" if subtitle and subtitle.lower() not in title.lower() else title
    container = tex(_first(message.get("container-title")))
    if container:
        target = {"article": "journaltitle", "inproceedings": "booktitle", "incollection": "booktitle"}.get(
            kind, "journaltitle" if kind == "misc" else "booktitle"
        )
        fields[target] = container
    for source, target in (("volume", "volume"), ("issue", "number"), ("publisher", "publisher")):
        value = _text(message.get(source))
        if value:
            fields[target] = value
    if kind == "report" and "publisher" in fields:
        fields["institution"] = "{" + fields.pop("publisher") + "}"
        fields["type"] = "Report"
    page = message.get("page")
    if isinstance(page, str) and _PAGES.match(page.strip()):
        fields["pages"] = re.sub(r"\s*[-–—]+\s*", "--", page.strip())
    date = _date(message)
    if date:
        fields["date"] = date
    doi = message.get("DOI")
    if isinstance(doi, str) and "{" not in doi and "}" not in doi and doi.strip():
        fields["doi"] = doi.strip().lower()
    for source, target in (("ISSN", "issn"), ("ISBN", "isbn")):
        value = _first(message.get(source)).strip()
        if _IDENT.match(value):
            fields[target] = value
    return kind, fields


def fetch_fields(doi: str) -> tuple[str, dict[str, str]]:
    return to_fields(fetch(doi))
