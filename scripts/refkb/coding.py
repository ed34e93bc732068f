"""The evidence-coding scheme: controlled vocabularies for what each source studies, and the parsing and checking of
the custom fields that hold them (`platforms`, `regions`, `forms`, `populations`, `design`, `datasource`).

The vocabularies are read from the file named by `extra.refkb.coding.vocabularies` in mkdocs.yml (each value with
a slug, a label and a one-line definition); countries are ISO 3166-1 alpha-2 codes in lower case (names from
pycountry) placed in their UN M49 sub-region and region by the table in `data/m49.csv`. Nothing here prints or
builds pages: `validate` turns `Problem`s into `Issue`s, `evidence` draws the pages.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
from rapidfuzz import process

from . import safeyaml
from .errors import RefkbError
from .model import Entry, Field
from .values import excerpt

DIMENSIONS = ("platforms", "regions", "forms", "populations", "design", "datasource")
LABELS = {
    "platforms": "Platforms",
    "regions": "Regions",
    "forms": "Forms of exploitation",
    "populations": "Populations",
    "design": "Design (kind of evidence)",
    "datasource": "Data source",
}
SINGULAR = {
    "platforms": "Platform",
    "regions": "Region",
    "forms": "Form",
    "populations": "Population",
    "design": "Design",
    "datasource": "Data source",
}
# Values that say "nothing specific": they should stand alone in their field.
ALONE = {"platforms": "general", "regions": "global", "datasource": "none"}
COUNTRY = re.compile(r"^[a-z]{2}$")
_TOKEN = re.compile(r"[^,{}\"\s][^,{}\"]*")
M49_TABLE = Path(__file__).parent / "data" / "m49.csv"


@dataclass(frozen=True)
class Value:
    """One value of a vocabulary. `group`: a platform's category, a region's parent region."""

    slug: str
    label: str
    definition: str
    group: str = ""


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    values: tuple[Value, ...]

    @functools.cached_property
    def by_slug(self) -> dict[str, Value]:
        return {v.slug: v for v in self.values}


@dataclass(frozen=True)
class Country:
    code: str  # lower-case alpha-2
    name: str
    regions: tuple[str, ...]  # M49 slugs from the narrowest (intermediate region or sub-region) to the region


@functools.lru_cache(maxsize=1)
def m49() -> dict[str, tuple[str, ...]]:
    """alpha-2 → (intermediate region, sub-region, region), narrowest first, empty levels left out."""
    out: dict[str, tuple[str, ...]] = {}
    with M49_TABLE.open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            levels = (row["intermediate_region"], row["sub_region"], row["region"])
            out[row["alpha2"]] = tuple(x for x in levels if x)
    return out


@functools.lru_cache(maxsize=512)
def country(code: str) -> Country | None:
    """The country or area with ISO 3166-1 alpha-2 `code` (lower case), or None."""
    if not COUNTRY.match(code):
        return None
    found = pycountry.countries.get(alpha_2=code.upper())
    if found is None:
        return None
    name = str(getattr(found, "common_name", None) or found.name)
    return Country(code, name, m49().get(code, ()))


@dataclass(frozen=True)
class Scheme:
    """The coding scheme of one knowledge base."""

    dimensions: tuple[Dimension, ...]
    categories: tuple[Value, ...]  # platform categories
    required: tuple[str, ...] = ()  # dimensions every entry must code (an error when missing)
    primary: frozenset[str] = frozenset()  # designs that count as primary empirical evidence
    source: str = ""  # the vocabulary file, as shown in messages

    @functools.cached_property
    def by_name(self) -> dict[str, Dimension]:
        return {d.name: d for d in self.dimensions}

    @functools.cached_property
    def category_by_slug(self) -> dict[str, Value]:
        return {c.slug: c for c in self.categories}

    def dimension(self, name: str) -> Dimension:
        return self.by_name[name]

    def label(self, dim: str, slug: str) -> str:
        """A value's label (a country's name, a platform category's label); the slug itself when unknown."""
        d = self.by_name.get(dim)
        if d is not None and slug in d.by_slug:
            return d.by_slug[slug].label
        if dim == "platforms" and slug in self.category_by_slug:
            return self.category_by_slug[slug].label
        if dim == "regions":
            c = country(slug)
            if c is not None:
                return c.name
        return slug

    def allowed(self, dim: str, slug: str) -> bool:
        d = self.by_name.get(dim)
        if d is None:
            return False
        if slug in d.by_slug:
            return True
        if dim == "platforms":
            return slug in self.category_by_slug
        if dim == "regions":
            return country(slug) is not None
        return False

    def category_of(self, platform: str) -> str:
        """A platform's category slug ('' for `general`); a category slug is its own category."""
        if platform in self.category_by_slug:
            return platform
        v = self.by_name["platforms"].by_slug.get(platform) if "platforms" in self.by_name else None
        return v.group if v is not None else ""

    def region_parents(self, slug: str) -> tuple[str, ...]:
        """The M49 regions that contain a region or a country, narrowest first."""
        c = country(slug)
        if c is not None:
            return c.regions
        out: list[str] = []
        regions = self.by_name["regions"].by_slug if "regions" in self.by_name else {}
        v = regions.get(slug)
        while v is not None and v.group and v.group not in out:
            out.append(v.group)
            v = regions.get(v.group)
        return tuple(out)

    def top_region(self, slug: str) -> str:
        """The M49 region (africa, americas, asia, europe, oceania), `global`, or '' when unknown."""
        if slug == "global":
            return "global"
        chain = (slug, *self.region_parents(slug))
        regions = self.by_name["regions"].by_slug if "regions" in self.by_name else {}
        for s in reversed(chain):
            v = regions.get(s)
            if v is not None and not v.group:
                return s
        return ""

    def expand(self, dim: str, slugs: Sequence[str]) -> tuple[str, ...]:
        """Values with what they imply for filtering: a platform's category, a country's and a region's M49
        regions. Order kept, no repeats."""
        out = list(slugs)
        for s in slugs:
            if dim == "platforms":
                out.append(self.category_of(s))
            elif dim == "regions":
                out.extend(self.region_parents(s))
        return tuple(dict.fromkeys(x for x in out if x))

    def is_primary(self, coding: Mapping[str, tuple[str, ...]]) -> bool:
        return any(d in self.primary for d in coding.get("design", ()))

    def all_values(self, dim: str) -> tuple[Value, ...]:
        """Every listed value of a dimension; for platforms the categories come after their platforms."""
        return self.by_name[dim].values if dim in self.by_name else ()


def split(value: str) -> tuple[str, ...]:
    """A coding field's values: comma-separated, trimmed, empty parts dropped."""
    return tuple(v.strip() for v in value.split(",") if v.strip())


def coding_of(entry: Entry, dims: Sequence[str] = DIMENSIONS) -> dict[str, tuple[str, ...]]:
    """An entry's coding: dimension → its values as written (missing dimensions: empty)."""
    return {d: split(entry.value(d)) for d in dims}


# ---------------------------------------------------------------------------------------------------------------
# Checks. `Problem`s name the field and the offset inside its raw text; validate makes Issues of them.


@dataclass(frozen=True)
class Problem:
    code: str  # unknown-coding-value | missing-coding | duplicate-coding-value | coding-conflict
    field: Field | None  # None: the entry itself (a missing dimension)
    offset: int  # in field.raw
    message: str
    fix: str


def tokens(f: Field) -> Iterator[tuple[str, int]]:
    """Each value of a coding field with its offset in the field's raw text."""
    for m in _TOKEN.finditer(f.raw):
        text = m.group(0).rstrip()
        if text:
            yield text, m.start()


def _suggest(scheme: Scheme, dim: str, word: str) -> str:
    lower = word.lower()
    if lower != word and scheme.allowed(dim, lower):
        return f"write it in lower case: {lower}"
    choices = [v.slug for v in scheme.all_values(dim)]
    if dim == "platforms":
        choices += [c.slug for c in scheme.categories]
    best = process.extractOne(lower, choices, score_cutoff=75)
    hint = f"did you mean '{best[0]}'? " if best else ""
    if dim == "regions":
        return hint + "use global, an ISO 3166-1 alpha-2 country code in lower case (us, gb, ph) or an M49 region slug"
    if dim == "platforms":
        return hint + f"use a platform or category slug of {scheme.source or 'the vocabulary'}, or general"
    return hint + "use one of: " + ", ".join(choices)


def problems(entry: Entry, scheme: Scheme) -> Iterator[Problem]:
    """Every coding problem of one entry: unknown or repeated values, a 'nothing specific' value mixed with others,
    and (for the scheme's required dimensions) a dimension that is missing or empty."""
    for dim in (d.name for d in scheme.dimensions):
        f = entry.get(dim)
        if f is None or not split(f.value):
            if dim in scheme.required:
                yield Problem(
                    "missing-coding",
                    f,
                    0,
                    f"the entry does not code '{dim}'",
                    f"add {dim} = {{...}} with values from {scheme.source or 'the coding vocabulary'}",
                )
            continue
        seen: set[str] = set()
        found = list(tokens(f))
        for word, offset in found:
            if word in seen:
                yield Problem(
                    "duplicate-coding-value", f, offset, f"{dim} value {word!r} is given twice", "remove the repeat"
                )
                continue
            seen.add(word)
            if not scheme.allowed(dim, word):
                yield Problem(
                    "unknown-coding-value",
                    f,
                    offset,
                    f"{dim} value {word!r} is not in the vocabulary",
                    _suggest(scheme, dim, word),
                )
        alone = ALONE.get(dim)
        if alone and alone in seen and len(seen) > 1:
            offset = next(o for w, o in found if w == alone)
            yield Problem(
                "coding-conflict",
                f,
                offset,
                f"{dim} gives {alone!r} together with other values",
                f"'{alone}' means nothing more specific: keep either it or the specific values",
            )


# ---------------------------------------------------------------------------------------------------------------
# Reading the scheme


Steps = tuple[str | int, ...]


class SchemeError(RefkbError):
    """The vocabulary file is missing or malformed. `steps` say where in the file the fault is (keys and list
    indexes, e.g. ("platforms", 3, "slug")), for `load` to give it its line and column."""

    def __init__(
        self, what: str = "", *, path: str = "", line: int = 0, col: int = 0, hint: str = "", steps: Steps = ()
    ) -> None:
        super().__init__(what, path=path, line=line, col=col, hint=hint)
        self.steps = steps


def _values(items: Any, what: str, group_key: str = "") -> tuple[Value, ...]:
    if not isinstance(items, list):
        raise SchemeError(f"'{what}' must be a list of {{slug, label, definition}}", steps=(what,))
    out = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("slug"):
            raise SchemeError(f"'{what}': every value needs a slug (got {excerpt(item)})", steps=(what, i))
        slug = str(item["slug"])
        if slug in seen:
            raise SchemeError(f"'{what}': the slug {excerpt(slug)} is given twice", steps=(what, i, "slug"))
        seen.add(slug)
        out.append(
            Value(
                slug,
                str(item.get("label", slug)),
                str(item.get("definition", "")),
                str(item.get(group_key) or "") if group_key else "",
            )
        )
    return tuple(out)


def from_mapping(data: Mapping[str, Any], required: Sequence[str] = (), source: str = "") -> Scheme:
    groups = {"platforms": "category", "regions": "parent"}
    dims = tuple(
        Dimension(d, LABELS[d], _values(data.get(d, []), d, groups.get(d, ""))) for d in DIMENSIONS if d in data
    )
    categories = _values(data.get("platform_categories", []), "platform_categories")
    known = {c.slug for c in categories}
    for d in dims:
        if d.name == "platforms":
            dangling = [i for i, v in enumerate(d.values) if v.group and v.group not in known]
            if dangling:
                name = excerpt(d.values[dangling[0]].slug)
                steps = ("platforms", dangling[0], "category")
                raise SchemeError(f"'platforms': {name} names a category that is not listed", steps=steps)
    unknown = [r for r in required if r not in DIMENSIONS]
    if unknown:
        raise SchemeError(f"required names unknown dimension(s) {', '.join(unknown)}; use {', '.join(DIMENSIONS)}")
    primary = data.get("primary", [])
    if not isinstance(primary, list) or not all(isinstance(p, str) for p in primary):
        raise SchemeError(
            f"{source or 'the vocabularies'}: primary must be a list of design slugs, e.g. [quantitative]",
            steps=("primary",),
        )
    return Scheme(dims, categories, tuple(required), frozenset(primary), source)


def load(root: Path, config: Any) -> Scheme | None:
    """The scheme named by `extra.refkb.coding` (None when the knowledge base does not code its sources). A fault
    in the vocabularies file is a SchemeError at its place in that file."""
    if not isinstance(config, dict) or not config.get("vocabularies"):
        return None
    name = str(config["vocabularies"])
    try:
        data = safeyaml.read(root / name, shown=name) or {}
    except safeyaml.YamlError as exc:  # unreadable, aliases refused, nesting and size bounded, bad bytes at their place
        raise SchemeError(exc.what, path=exc.path, line=exc.line, col=exc.col, hint=exc.hint) from exc
    if not isinstance(data, dict):
        raise SchemeError("expected a mapping of vocabularies", path=name, hint="write platforms: [...] and so on")
    required = config.get("required") or []
    if not isinstance(required, list):
        raise SchemeError("extra.refkb.coding.required must be a list of dimensions")
    try:
        return from_mapping(data, [str(r) for r in required], name)
    except SchemeError as exc:
        if not exc.steps:  # a fault of mkdocs.yml's coding settings, not of the file
            raise
        try:
            at = safeyaml.locate(safeyaml.decode((root / name).read_bytes()), exc.steps)
        except (OSError, safeyaml.YamlError):  # changed since it was read: the file, without a line
            at = None
        what = exc.what.removeprefix(f"{name}: ")
        raise SchemeError(
            what, path=name, line=at.line if at else 0, col=at.col if at else 0, hint=exc.hint, steps=exc.steps
        ) from None


def coverage(entries: Sequence[Entry], scheme: Scheme) -> dict[str, dict[str, Any]]:
    """Per dimension: how many entries code it, the share in percent, values outside the vocabulary, and each value's
    count (most used first)."""
    out: dict[str, dict[str, Any]] = {}
    for d in scheme.dimensions:
        counts: dict[str, int] = {}
        coded = unknown = 0
        for e in entries:
            values = split(e.value(d.name))
            coded += bool(values)
            for v in values:
                counts[v] = counts.get(v, 0) + 1
                unknown += not scheme.allowed(d.name, v)
        ranked = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        share = round(100 * coded / len(entries)) if entries else 0
        out[d.name] = {"coded": coded, "of": len(entries), "percent": share, "unknown": unknown, "values": ranked}
    return out


US_REGIONS = frozenset({"us"})
WORLDWIDE = frozenset({"global"})

# What each reach figure counts: `refkb stats --definitions` prints these, and the README and the home page quote the
# figures with them.
REACH_DEFINITIONS: dict[str, str] = {
    "sources": "entries in the bibliography",
    "specific_outside_us": "sources coded to at least one country or region other than the United States "
    "(a source coded only `global` is not counted; one coded to the US and another country is)",
    "global_only": "sources coded only `global` (worldwide, no country or region named)",
    "us_only": "sources coded only to the United States",
    "labour_trafficking": "sources coded with the form `labour-trafficking`",
    "peer_reviewed_empirical": "journal articles and proceedings papers by academics with a primary empirical "
    "design (peer review itself is recorded in each source's appraisal, not here)",
    "high_or_moderate_confidence": "sources whose appraisal gives high or moderate confidence",
    "from_2021": "sources dated 2021 or later",
    "journalism": "sources of kind `journalism`: news reports, features, investigations and a podcast "
    "transcript, not told apart",
    "per_topic": "sources tagged with the topic or cited on its page",
    "per_platform_category": "sources coded with a platform of the category (or the category itself)",
}


def reach(
    entries: Sequence[Entry],
    scheme: Scheme,
    topic_sources: Mapping[str, set[str]],
    confidence: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The knowledge base's reach, each figure as REACH_DEFINITIONS says: how much of it looks at a country or
    region other than the United States, at labour trafficking, is peer-reviewed empirical work, carries weight by
    its appraisal (`confidence`: key -> high/moderate/low), is recent, is journalism; per topic and per platform
    category."""
    n = len(entries)
    codings = {e.key: coding_of(e) for e in entries}
    regions = {k: set(c.get("regions", ())) for k, c in codings.items()}
    specific = sum(1 for r in regions.values() if r - US_REGIONS - WORLDWIDE)
    years = {e.key: (e.value("date") or e.value("year")).strip()[:4] for e in entries}
    empirical = sum(
        1
        for e in entries
        if e.type in ("article", "inproceedings")
        and e.value("sourcekind").strip() == "academic"
        and e.value("entrysubtype").strip() not in ("newspaper", "magazine")
        and scheme.is_primary(codings[e.key])
    )
    categories: dict[str, int] = {c.slug: 0 for c in scheme.categories}
    for c in codings.values():
        for cat in {scheme.category_of(p) for p in c.get("platforms", ())} - {""}:
            categories[cat] = categories.get(cat, 0) + 1
    out: dict[str, Any] = {
        "sources": n,
        "specific_outside_us": f"{specific} ({round(100 * specific / n) if n else 0}%)",
        "global_only": sum(1 for r in regions.values() if r and r <= WORLDWIDE),
        "us_only": sum(1 for r in regions.values() if r and r <= US_REGIONS),
        "labour_trafficking": sum("labour-trafficking" in c.get("forms", ()) for c in codings.values()),
        "peer_reviewed_empirical": empirical,
    }
    if confidence is not None:
        out["high_or_moderate_confidence"] = sum(confidence.get(e.key) in ("high", "moderate") for e in entries)
    out |= {
        "from_2021": sum(y.isdigit() and int(y) >= 2021 for y in years.values()),
        "journalism": sum(e.value("sourcekind").strip() == "journalism" for e in entries),
        "per_topic": {t: len(keys) for t, keys in topic_sources.items()},
        "per_platform_category": categories,
    }
    return out
