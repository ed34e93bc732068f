"""The single list of every code refkb reports, with its level and meaning, and `issue`, which makes an `Issue` at
its code's registered level (the readers of .bib and data files, bibfile and kbdata, make theirs directly).

Every module that reports a problem registers its code here (tests/test_architecture.py holds that every code
reported anywhere is listed; tests/test_checks.py that every listed code is tested).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ..model import BibFile, Entry, Field, Issue, Level

E, W = Level.ERROR, Level.WARNING

# code -> (level, what it means). The single list of every code refkb reports; tests cover each one.
CODES: dict[str, tuple[Level, str]] = {
    # links and titles: canonical links, one title convention
    "mirror-url": (W, "a url on a mirror, aggregator, development server or library proxy (hosts.py)"),
    "piracy-host": (E, "a link to a piracy site, anywhere (hosts.py)"),
    "title-case": (E, "a title word capitalised outside braces (titles are stored in sentence case)"),
    # syntax and encoding (found while reading, in bibfile)
    "encoding-not-utf8": (E, "the file is not UTF-8"),
    "syntax-error": (E, "text BibTeX would reject"),
    "unclosed-brace": (E, "a '{' is never closed"),
    "unclosed-quote": (E, "a '\"' value is never closed"),
    "unclosed-entry": (E, "an entry is never closed"),
    "unbalanced-braces": (E, "a '}' without its '{' inside a value"),
    "missing-comma": (E, "no comma between two fields (bibtexparser would merge them)"),
    "percent-in-entry": (E, "a '%' line inside an entry, which BibTeX reads as text"),
    "duplicate-field": (E, "a field given twice in one entry (bibtexparser drops the entry)"),
    "undefined-macro": (E, "a bare word that is no @string macro"),
    "duplicate-macro": (W, "an @string macro defined twice"),
    "missing-key": (E, "an entry with no key at all"),
    "invalid-key": (E, "a key BibTeX would reject (spaces, braces)"),
    "control-character": (E, "a control character in a value"),
    "c1-control": (E, "a C1 control character U+0080-U+009F in a value (Windows-1252 punctuation read as Latin-1)"),
    "bidi-control": (E, "a Unicode bidirectional override or isolate in a value"),
    "invisible-character": (W, "a zero-width or other invisible character in a value"),
    "input-too-large": (E, "a file larger than refkb reads (64 MB for .bib, 4 MB for YAML, 1 MB for a page)"),
    "nesting-too-deep": (E, "a page line nested deeper than 64 levels (lists, quotes, indentation)"),
    "field-too-large": (E, "a field value longer than 65,536 characters"),
    "macro-cycle": (E, "an @string macro defined through itself"),
    "macro-too-large": (E, "a value whose @string macros expand beyond 100,000 characters"),
    # keys
    "empty-key": (E, "an empty key"),
    "duplicate-key": (E, "two entries with the same key"),
    "duplicate-key-case": (E, "two keys that differ only in case"),
    "unsafe-key": (E, "a key that is not a safe slug ^[a-z0-9][a-z0-9-]*$"),
    "key-convention": (W, "a key that does not follow <author><year><title-word>"),
    "key-too-long": (E, "a key longer than 64 characters (it names files)"),
    "slug-collision": (E, "two keys with the same slug (keys.slug): their pages and files would be one"),
    # fields
    "unknown-entry-type": (W, "an entry type outside the biblatex data model"),
    "missing-field": (E, "a field the entry type requires"),
    "empty-field": (W, "a field with an empty value"),
    "field-not-carried": (W, "a biblatex field that refkb's citations do not carry (dropped from every style)"),
    "invalid-name": (E, "an empty or malformed name in a name list"),
    "unprotected-and": (W, "an organisation name containing 'and' that will be split into two names"),
    "invalid-year": (E, "a year that is not four digits"),
    "implausible-year": (W, "a year outside 1800 to next year"),
    "year-out-of-range": (E, "a year before 1500 or after next year"),
    "invalid-date": (E, "a date that is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD or a range)"),
    "date-year-mismatch": (W, "date and year that disagree"),
    "invalid-month": (E, "a month that is not 1-12 or a month name"),
    "invalid-urldate": (E, "a urldate that is not an ISO 8601 day"),
    "future-urldate": (E, "a urldate in the future"),
    "invalid-doi": (E, "a DOI that is not 10.NNNN/suffix"),
    "doi-resolver-prefix": (W, "a DOI written with a resolver prefix (https://doi.org/, doi:)"),
    "invalid-url": (E, "a URL that is not absolute http or https"),
    "invalid-isbn": (E, "an ISBN with a wrong length or checksum"),
    "invalid-issn": (E, "an ISSN with a wrong checksum"),
    "invalid-pages": (E, "a page range that is not 'N', 'N--M' or similar"),
    "page-range-hyphen": (W, "a page range written with a single hyphen or a dash character"),
    "unescaped-ampersand": (W, "an '&' that LaTeX would read as a table column"),
    "missing-urldate": (E, "an online source without urldate"),
    # crossref and xdata inheritance, as biber resolves it (refkb.inherit)
    "crossref-missing": (E, "a crossref that names no entry of the file"),
    "crossref-cycle": (E, "crossrefs that lead back to the entry (a self-reference included)"),
    "xdata-missing": (E, "an xdata key that names no entry of the file"),
    "xdata-wrong-type": (E, "an xdata key that names an entry other than @xdata (biber ignores it)"),
    "xdata-cycle": (E, "xdata entries that name each other in a cycle (a self-reference included)"),
    "xdata-cited": (E, "a citation in docs/ of an @xdata entry, which holds fields for others and is no work"),
    # likely duplicates
    "duplicate-doi": (W, "two entries with the same DOI"),
    "duplicate-url": (W, "two entries with the same URL"),
    "near-duplicate-title": (W, "two entries with near-identical title and the same year"),
    # knowledge-base rules
    "unknown-topic": (E, "a keywords topic outside the controlled vocabulary"),
    "missing-topic": (W, "an entry with no keywords topic"),
    "invalid-sourcekind": (E, "a sourcekind outside the controlled vocabulary"),
    "missing-sourcekind": (W, "an entry with no sourcekind"),
    # evidence coding (extra.refkb.coding; see refkb.coding)
    "unknown-coding-value": (E, "a platforms/regions/forms/populations/design/datasource value outside its vocabulary"),
    "missing-coding": (E, "an entry that does not code a dimension the knowledge base requires"),
    "duplicate-coding-value": (W, "a coding value given twice in one field"),
    "coding-conflict": (W, "general, global or none given together with more specific values"),
    "missing-annotation": (E, "an entry without its annotation page"),
    "orphan-annotation": (E, "an annotation page without its entry"),
    "annotation-front-matter": (E, "an annotation without valid verified_at/verified_on"),
    "missing-section": (E, "an annotation without one of its five sections"),
    "empty-section": (W, "an annotation section with no text"),
    "front-matter-key": (E, "a front-matter key or value a page may not carry (the theme prints some unescaped)"),
    "unsafe-html": (W, "raw HTML in a page that the build's HTML policy strips (script, handler, script URL, …)"),
    "unsafe-slug": (E, "a topic, platform, category, coding value or claim id that is not a safe slug"),
    "unsafe-attribute": (E, "an attr_list {: ...} with an attribute other than a safe #id, .class or title"),
    "future-date": (E, "a verification or timeline date in the future"),
    "unresolved-citation": (E, "a [@key] in docs/ that names no entry"),
    "stale-verification": (W, "an annotation verified longer ago than extra.refkb.stale_after_months (18)"),
    # the knowledge base's data: claims ledger, glossary, timeline
    "data-invalid": (E, "claims.yml, glossary.yml or timeline.yml that cannot be read or lacks a field"),
    "unknown-verdict": (E, "a claim's verdict outside the verdict vocabulary"),
    "missing-correction": (E, "a claim not judged 'supported' without a corrected statement"),
    "unresolved-data-key": (E, "a key in the ledger, glossary or timeline that names no entry"),
    "missing-citation": (E, "a claim, term or event that cites no source"),
    "invalid-event-date": (E, "a timeline date that is not YYYY, YYYY-MM or YYYY-MM-DD"),
    # critical appraisal (refkb.appraisal): every source appraised from its stored page
    "missing-appraisal": (E, "an annotation without its appraisal block"),
    "appraisal-invalid": (E, "an appraisal block of the wrong shape, instrument or items"),
    "appraisal-item-missing": (E, "an appraisal without one of its instrument's items"),
    "appraisal-answer": (E, "an appraisal answer other than yes, no or unclear"),
    "appraisal-reason": (E, "an appraisal item without a one-line reason"),
    "appraisal-instrument": (E, "an appraisal instrument that does not match the source's design"),
    # the verification trail and names (refkb.checks.trail, refkb.checks.names)
    "low-trust-host": (
        W,
        "a verified_at link on a scraper, spam, document-dump, test or adult-industry host, unmarked",
    ),
    "name-variant": (W, "one family name with given names that can be one person spelt two ways"),
    # the search log and screening records (refkb.searchlog)
    "searchlog-invalid": (E, "a search log that cannot be read, or a search or screening record of the wrong shape"),
    "unknown-route": (E, "a search route outside the route vocabulary"),
    "unknown-search": (E, "a screening record naming a search the log does not have"),
    "unknown-reason": (E, "a screening reason outside the reason vocabulary"),
    "unknown-aim": (E, "a search aim outside the topic and coding vocabularies"),
    "unresolved-search-key": (E, "a search yielding a key that is not in the bibliography"),
    "untraced-source": (E, "an included source that no search or route yields"),
    "stale-search": (W, "a topic last searched longer ago than the log's cadence"),
    "ledger-contradiction": (E, "a ledger note saying a source is not in the library when its key exists"),
    "uncited-evidence": (W, "a ledger evidence key the claim's note does not cite"),
    # the built site's links and the bibliography's URLs (refkb.links: refkb check-links)
    "broken-link": (E, "a link in the built site to a file that does not exist, or outside the site"),
    "broken-anchor": (E, "a link in the built site to an anchor its page does not have"),
    "moved-link": (W, "a URL that redirects elsewhere (refkb check-links --online)"),
    "dead-link": (E, "a URL that answers 404 or 410 (refkb check-links --online)"),
    "unreachable-link": (E, "a URL that cannot be reached or answers with an error (refkb check-links --online)"),
    # do no harm: readers may be survivors or people at risk
    "phone-number": (E, "a phone number in docs/ that is not an allow-listed help line"),
    "email-address": (E, "an e-mail address in docs/"),
    "social-media-handle": (E, "a social-media handle (@name) in docs/"),
    # settings (refkb.project): mkdocs.yml, the files it INHERITs and the coding vocabularies
    "invalid-setting": (E, "a setting of the wrong type or value (a number where a file name belongs, …)"),
    "yaml-invalid": (E, "mkdocs.yml or the vocabularies file is not YAML refkb reads (syntax, aliases, depth, …)"),
}

# Errors in what a work says that a style can still print as written, as BibTeX warns and prints them: they stop
# the build under a profile with content_errors (knowledge-base) and are warnings under one without (bibtex; see
# refkb.profiles).
# Every other error stops every build: syntax BibTeX rejects, keys (duplicates, slugs that name one file), unsafe
# values (control characters below U+0080, bidi overrides, links that are not http), broken inheritance, the site's
# pages, data and settings.
CONTENT = frozenset(
    {
        "title-case",
        "c1-control",
        "missing-field",
        "invalid-year",
        "year-out-of-range",
        "invalid-date",
        "invalid-month",
        "invalid-urldate",
        "future-urldate",
        "invalid-doi",
        "invalid-isbn",
        "invalid-issn",
        "invalid-pages",
        "missing-urldate",
    }
)


def at_profile_level(issues: Iterable[Issue], content_errors: bool) -> list[Issue]:
    """The issues at their level under a profile: without content_errors, a content error (CONTENT) is a warning."""
    if content_errors:
        return list(issues)
    return [dataclasses.replace(i, level=W) if i.level is E and i.code in CONTENT else i for i in issues]


def issue(path: str, pos_line: int, pos_col: int, code: str, key: str, message: str, fix: str) -> Issue:
    return Issue(path, pos_line, pos_col, CODES[code][0], code, key, message, fix)


def at_field(bib: BibFile, entry: Entry, f: Field, code: str, message: str, fix: str, value: bool = True) -> Issue:
    """An issue at a field of an entry: at its value, or (value=False) at its name."""
    p = f.value_pos if value else f.pos
    return issue(bib.path, p.line, p.col, code, entry.key, message, fix)


def at_entry(bib: BibFile, entry: Entry, code: str, message: str, fix: str) -> Issue:
    """An issue at the start of an entry."""
    p = entry.pos
    return issue(bib.path, p.line, p.col, code, entry.key, message, fix)
