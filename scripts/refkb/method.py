"""The method made visible on the site's pages — generator-neutral: the PRISMA flow, the search log and the
screening records where a page asks for them (markers), "last searched" on topic and platform pages, the home
page's reach figures and the data package. The site layer (refkb.site.render) only hands over the page, its
addresses and a way to add HTML to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from . import __version__, appraisal, coded, coding, datapackage, prisma, searchlog
from .model import Entry

MARKERS = ("REFKB_PRISMA", "REFKB_SEARCH_LOG", "REFKB_SCREENING", "REFKB_DATASET")
# The reach figures the home page quotes: those of `refkb stats` that do not depend on the topic pages' text.
HOME_REACH = (
    "sources",
    "specific_outside_us",
    "global_only",
    "us_only",
    "labour_trafficking",
    "peer_reviewed_empirical",
    "high_or_moderate_confidence",
    "from_2021",
    "journalism",
)
DATASET_NAME = "refkb-evidence"
DATASET_TITLE = "Evidence coding, appraisal, searches and screening records"
DATASET_FILES = ("datapackage.json", "coding.csv", "appraisal.csv", "searches.csv", "screening.csv")
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)

Add = Callable[[Markup], str]


@dataclass(frozen=True)
class PageAddresses:
    """Where a page's links go, relative to the page."""

    library: str  # the reference pages' folder, e.g. "../references/"
    methodology: str  # e.g. "../methodology/"
    downloads: str  # e.g. "../downloads/"


def reach_html(entries: Sequence[Entry], scheme: coding.Scheme, confidence: Mapping[str, str] | None) -> Markup:
    """The knowledge base's reach as `refkb stats` computes it, each figure with its definition."""
    figures = coding.reach(entries, scheme, {}, confidence)
    rows = Markup("").join(
        Markup("<li><strong>{}</strong> — {}</li>").format(figures[k], coding.REACH_DEFINITIONS[k].replace("`", ""))
        for k in HOME_REACH
        if k in figures
    )
    return Markup('<ul class="refkb-reach">{}</ul>').format(rows)


def dataset_html(site_url: str, downloads: str) -> Markup:
    """The data package's files and its schema.org `Dataset` description (JSON-LD)."""
    links = Markup(" · ").join(Markup('<a href="{}{}" download>{}</a>').format(downloads, f, f) for f in DATASET_FILES)
    description = "The knowledge base's data as a Frictionless Data Package."
    ld = datapackage.json_ld(DATASET_TITLE, description, __version__, site_url, DATASET_FILES)
    return Markup('<p class="refkb-dataset">Version {}: {}.</p><script type="application/ld+json">{}</script>').format(
        __version__, links, Markup(ld)
    )


def data_package(
    keys: Sequence[str],
    appraisals: Mapping[str, appraisal.Appraisal],
    log: searchlog.Log,
    coding_csv: str,
    site_url: str,
) -> dict[str, str]:
    """File name -> content of downloads/: the data package of the coding, appraisal, searches and screening."""
    rows = [appraisal.as_row(key, appraisals.get(key)) for key in sorted(keys)]
    resources = [
        datapackage.coding_resource(coded.EXPORT_COLUMNS, coding_csv),
        datapackage.appraisal_resource(rows),
        datapackage.searches_resource(log),
        datapackage.screening_resource(log),
    ]
    return datapackage.package(resources, DATASET_NAME, DATASET_TITLE, __version__, site_url)


def fill(
    markdown: str,
    log: searchlog.Log,
    total: int,
    where: PageAddresses,
    site_url: str,
    searched_for: tuple[str, str] | None,
    add: Add,
    add_late: Add,
) -> str:
    """A page's Markdown with the method's markers filled in, and — when `searched_for` names a (dimension, value)
    such as ("topics", "recruitment-grooming") — a "last searched" line under its first heading."""
    if "REFKB_PRISMA" in markdown:
        markdown = markdown.replace("REFKB_PRISMA", add(prisma.flow_html(searchlog.flow(log, total))))
    if "REFKB_SEARCH_LOG" in markdown:
        markdown = markdown.replace("REFKB_SEARCH_LOG", add_late(prisma.log_table(log, where.library)))
    if "REFKB_DATASET" in markdown:
        markdown = markdown.replace("REFKB_DATASET", add_late(dataset_html(site_url, where.downloads)))
    if "REFKB_SCREENING" in markdown:
        markdown = markdown.replace("REFKB_SCREENING", add_late(prisma.screening_table(log)))
    if searched_for is not None:
        when, aimed = log.last_searched(*searched_for)
        line = prisma.last_searched(when, aimed, log.cadence_months, where.methodology)
        h1 = _H1.search(markdown)
        at = h1.end() if h1 else 0
        markdown = markdown[:at] + "\n\n" + add(line) + "\n\n" + markdown[at:]
    return markdown
