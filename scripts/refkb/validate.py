"""The check suite under its former name: every name callers used from here, now at home in `refkb.checks`,
`refkb.keys`, `refkb.values` and `refkb.frontmatter`.

The checks themselves live in `refkb.checks` by concern (data model, fields, entries, duplicates, annotations, docs
pages, do no harm) and are run by `refkb.checks.suite`; this module only re-exports, so that the build, the
benchmarks and older tests keep working while they move to the new homes.
"""

from __future__ import annotations

from .checks.annotations import check_annotation, check_annotations, check_freshness
from .checks.codes import CODES, at_entry, at_field
from .checks.datamodel import ALIASES, REQUIRED
from .checks.docs_pages import (
    MAX_NESTING,
    PageMemo,
    attribute_problems,
    check_citations,
    check_docs_pages,
    html_problems,
    nesting_problem,
    read_page,
)
from .checks.duplicates import check_duplicate_identifiers, check_duplicate_keys, check_near_duplicates
from .checks.entries import ENTRY_CHECKS, check_key
from .checks.fields import FIELD_CHECKS, isbn_ok, title_case_problem
from .checks.harm import check_do_no_harm
from .checks.settings import Settings
from .checks.suite import (
    MAX_FIELD,
    check_coding,
    check_names_table,
    check_search_log,
    project_settings,
    read_bibliography,
    search_vocabulary,
    validate_bib,
    validate_bibliography,
    validate_project,
)
from .frontmatter import ANNOTATION_KEYS, PAGE_KEYS
from .keys import MAX_KEY, SAFE_KEY, STOPWORDS, ascii_fold, family_names, key_follows, key_parts, title_words
from .values import CONTROL, NAME_FIELDS, ORG_FIELDS, URL_FIELDS

__all__ = [
    "ALIASES",
    "ANNOTATION_KEYS",
    "CODES",
    "CONTROL",
    "ENTRY_CHECKS",
    "FIELD_CHECKS",
    "MAX_FIELD",
    "MAX_KEY",
    "MAX_NESTING",
    "NAME_FIELDS",
    "ORG_FIELDS",
    "PAGE_KEYS",
    "REQUIRED",
    "SAFE_KEY",
    "STOPWORDS",
    "URL_FIELDS",
    "PageMemo",
    "Settings",
    "ascii_fold",
    "at_entry",
    "at_field",
    "attribute_problems",
    "check_annotation",
    "check_annotations",
    "check_citations",
    "check_coding",
    "check_do_no_harm",
    "check_docs_pages",
    "check_duplicate_identifiers",
    "check_duplicate_keys",
    "check_freshness",
    "check_key",
    "check_names_table",
    "check_near_duplicates",
    "check_search_log",
    "family_names",
    "html_problems",
    "isbn_ok",
    "key_follows",
    "key_parts",
    "nesting_problem",
    "project_settings",
    "read_bibliography",
    "read_page",
    "search_vocabulary",
    "title_case_problem",
    "title_words",
    "validate_bib",
    "validate_bibliography",
    "validate_project",
]
