"""The knowledge base's data as a Frictionless Data Package (`downloads/datapackage.json`): the evidence coding, the
appraisal, the searches and the screening records, each a CSV resource with a table schema, versioned with the
release. tests/test_datapackage.py validates the built package with the `frictionless` library itself."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import appraisal, searchlog


@dataclass(frozen=True)
class Column:
    """A column of a resource's CSV, as its Table Schema field: its name, type and description."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Resource:
    name: str
    title: str
    description: str
    fields: tuple[Column, ...]
    rows: tuple[Mapping[str, object], ...]

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=[f.name for f in self.fields], lineterminator="\r\n")
        w.writeheader()
        for row in self.rows:
            w.writerow({k: row.get(k, "") for k in w.fieldnames})
        return buf.getvalue()

    def descriptor(self) -> dict[str, object]:
        return {
            "profile": "tabular-data-resource",
            "name": self.name,
            "path": self.path,
            "title": self.title,
            "description": self.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [{"name": f.name, "type": f.type, "description": f.description} for f in self.fields],
                **({"primaryKey": [self.fields[0].name]} if self.name in ("appraisal", "searches") else {}),
            },
        }


def appraisal_resource(rows: Sequence[Mapping[str, str]]) -> Resource:
    fields: list[Column] = [
        Column("key", "string", "The source's citation key (its page is references/<key>/)"),
        Column("instrument", "string", "aacods (grey literature) or empirical (studies)"),
        Column("confidence", "string", "high, moderate or low, derived by the rule on the methodology page"),
    ]
    for names in appraisal.INSTRUMENTS.values():
        for n in names:
            fields.append(
                Column(n, "string", f"{appraisal.LABELS[n]}: yes, no or unclear (empty: not this instrument)")
            )
            fields.append(Column(f"{n}_reason", "string", f"Why, from the stored page ({appraisal.LABELS[n].lower()})"))
    return Resource("appraisal", "Appraisal of each source", "One row per source.", tuple(fields), tuple(rows))


def searches_resource(log: searchlog.Log) -> Resource:
    rows = tuple(
        {
            "id": s.id,
            "date": s.date.isoformat(),
            "route": s.route,
            "place": s.place,
            "query": s.query,
            "looked_at": s.looked_at,
            "yielded": "; ".join(s.yielded),
            "aims": "; ".join(f"{d}: {', '.join(v)}" for d, v in s.aims.items() if v),
        }
        for s in log.searches
    )
    fields = (
        Column("id", "string", "The search's id (s000 is the searches before the log began)"),
        Column("date", "date", "The day of the search"),
        Column("route", "string", ", ".join(searchlog.ROUTES)),
        Column("place", "string", "Where it searched"),
        Column("query", "string", "The exact query or route"),
        Column("looked_at", "integer", "How many results were looked at"),
        Column("yielded", "string", "Keys of the sources it yielded, separated by '; '"),
        Column("aims", "string", "The topics and coding values it aimed at"),
    )
    return Resource("searches", "Search log", "Every search that looked for sources.", fields, rows)


def screening_resource(log: searchlog.Log) -> Resource:
    rows = tuple(
        {"candidate": x.candidate, "search": x.search, "reason": x.reason, "note": x.note} for x in log.screening
    )
    fields = (
        Column("candidate", "string", "The work looked at in full and left out"),
        Column("search", "string", "The search that found it"),
        Column("reason", "string", ", ".join(searchlog.REASONS)),
        Column("note", "string", "Why, in one line"),
    )
    return Resource("screening", "Screening records", "Every candidate left out, with its reason.", fields, rows)


def coding_resource(columns: Sequence[str], coding_csv: str) -> Resource:
    rows = tuple(csv.DictReader(io.StringIO(coding_csv)))
    fields = tuple(
        Column(c, "string", f"Evidence coding: {c.replace('_', ' ')} (several values separated by '; ')")
        for c in columns
    )
    return Resource("coding", "Evidence coding", "One row per source, one column per dimension.", fields, rows)


def package(resources: Sequence[Resource], name: str, title: str, version: str, site_url: str) -> dict[str, str]:
    """File name -> content: each resource's CSV and the descriptor that describes them."""
    descriptor: dict[str, object] = {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "version": version,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/"}],
        "resources": [r.descriptor() for r in resources],
    }
    if site_url:
        descriptor["homepage"] = site_url
    out = {r.path: r.csv() for r in resources}
    out["datapackage.json"] = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    return out


def json_ld(name: str, description: str, version: str, site_url: str, files: Sequence[str]) -> str:
    """schema.org `Dataset` for the downloads page (JSON in a script element: `<` escaped)."""
    base = site_url.rstrip("/") + "/downloads/" if site_url else "downloads/"
    data = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": name,
        "description": description,
        "version": version,
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "distribution": [_download(base, f) for f in files],
    }
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def _download(base: str, name: str) -> dict[str, str]:
    media = "text/csv" if name.endswith(".csv") else "application/json"
    return {"@type": "DataDownload", "encodingFormat": media, "contentUrl": base + name}
