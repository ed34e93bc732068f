"""Rules for single values that checks, conversion, pages, intake and links share: DOIs, URLs and name lists.

One home, so that a converter or an HTML module does not import the check suite to know what a URL is."""

from __future__ import annotations

import functools
import re

from . import bibfile

# Characters no value and no page should hold: control characters, bidirectional overrides, invisible characters.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\u180e]")
SUSPECT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff\u00ad\u180e]"
)
URL_FIELDS = ("url", "archiveurl")  # fields holding a link (an archived copy goes in archiveurl)
NAME_FIELDS = ("author", "editor", "translator", "bookauthor")
ORG_FIELDS = ("institution", "organization", "publisher", "school")  # lists in biblatex, like names

DOI = re.compile(r"^(?:10\.\d{4,9}/\S+|10/[a-z0-9]+)$")  # a DOI, or a shortDOI (10/abcd)

DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")

_HTTP_HOST = re.compile(r"^https?://[^/\s?#]+", re.I)

_URL_BAD_CHAR = re.compile(r"[\s\"<>\\^`{|}]")

TEX_URL_ESCAPE = re.compile(r"\\([_%&#$~])")


def url_value(value: str) -> str:
    """A URL field's value as a link: TeX escapes such as \\_ and \\% undone (pandoc does the same)."""
    return TEX_URL_ESCAPE.sub(r"\1", value.strip())


_URL_SCHEME_WWW = re.compile(r"^https?://(www\.)?")


def normal_url(url: str) -> str:
    """A URL as duplicates are compared: lower case, without scheme, `www.` and trailing slashes."""
    return _URL_SCHEME_WWW.sub("", url.strip().lower()).rstrip("/")


def normal_doi(value: str) -> str:
    """A DOI as duplicates are compared: without a resolver prefix, lower case (DOIs are case-insensitive)."""
    return DOI_PREFIX.sub("", value.strip()).lower()


def url_problem(value: str) -> str:
    """Why `value` is not an acceptable link, or '' when it is."""
    value = url_value(value)
    m = _SCHEME.match(value)
    if m is None:
        return "is not an absolute URL"
    if m.group(1).lower() not in ("http", "https"):
        return f"uses the scheme '{m.group(1)}:' (only http and https become links)"
    host = _HTTP_HOST.match(value)
    if not host:
        return "has no host"
    if "@" in host.group(0):
        return "holds user information before '@' (user@host): the link would go to the host after the '@'"
    bad = _URL_BAD_CHAR.search(value)
    if bad:
        return f"contains {'white space' if bad.group(0).isspace() else repr(bad.group(0))}"
    return ""


AND = re.compile(r"\s+and\s+", re.I)
_ONE_GROUP = re.compile(r"\s*\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}\s*\Z")


def split_names(value: str) -> list[str]:
    """A name list split on ' and ' at brace depth 0 (bibtexparser's splitter, with a fast path for plain lists)."""
    if "{" not in value:
        value = value.strip()
        return AND.split(value) if value else []
    if _ONE_GROUP.match(value):  # one braced name, e.g. {{United Nations}}: nothing to split (and 40x faster)
        return [value.strip()]
    return bibfile.split_names(value)


SIMPLE_NAME = re.compile(r"^[^,{}\\]+(?:,[^,{}\\]+){0,2}$")


@functools.lru_cache(maxsize=8192)
def name_problem(name: str) -> str:
    """What is wrong with one personal or braced name ('' if nothing): names repeat, so each is parsed once."""
    if SIMPLE_NAME.match(name):
        return ""
    try:
        parts = bibfile.name_parts(name)
    except bibfile.BadName as exc:
        return f"is malformed ({exc})"
    return "" if parts.last else "has no family name"


def excerpt(value: object, limit: int = 60) -> str:
    """A value as a message may quote it: at most `limit` characters, and never the repr of a whole container (a
    YAML alias chain makes a few bytes stand for gigabytes; a repr would build them all before any cut)."""
    if isinstance(value, str):
        return repr(value[:limit]) + ("…" if len(value) > limit else "")
    if isinstance(value, list | tuple):
        return f"a list of {len(value):,} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return f"a mapping of {len(value):,} key{'' if len(value) == 1 else 's'}"
    return repr(value)[:limit]
