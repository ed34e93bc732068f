"""The check suite: every check of `checks/` run on one file (`validate_bib`), on the project's bibliography
(`validate_bibliography`) and on the whole project (`validate_project`: annotation pages, docs pages, citations,
the knowledge base's data and search log), under the project's profile. Nothing here prints: the CLI and the MkDocs
plugin decide how to report."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence

from .. import annotation, bibfile, coding, inherit, kbdata, searchlog
from ..model import BibFile, Entry, Issue, Level
from ..project import Project
from . import inheritance, ledger, slugs
from . import names as name_variants
from .annotations import NoteMemo, check_annotations, check_freshness
from .codes import CODES, at_entry, at_field, at_profile_level, issue
from .docs_pages import PageMemo, check_citations, check_docs_pages
from .duplicates import check_duplicate_identifiers, check_duplicate_keys, check_near_duplicates, check_slug_collisions
from .entries import ENTRY_CHECKS, RECORD_CHECKS
from .fields import FIELD_CHECKS
from .harm import check_do_no_harm
from .incremental import BibliographyMemo, EntryMemo
from .settings import Settings

MAX_FIELD = 65_536  # characters in one field value (an abstract is a few thousand)


def validate_bib(bib: BibFile, settings: Settings | None = None, memo: EntryMemo | None = None) -> list[Issue]:
    """Every check on one parsed file: syntax (from reading), keys, fields, crossref and xdata links, and likely
    duplicates, at their level under the settings' profile (codes.at_profile_level). The fields a work requires are
    looked for in its record (what it inherits included); an @xdata entry is no work (refkb.inherit.is_work): its
    values are checked, not what a work must have. With a `memo` of the last run, an entry checked then is not
    checked again (`EntryMemo`)."""
    s = settings or Settings()
    issues = list(bib.issues)
    with bibfile.no_gc():
        resolution = inherit.resolve(bib.entries)
        issues.extend(inheritance.check(bib, resolution))
        if memo is not None:
            memo.start((bib.path, s, sorted(bib.macros.items())))
        for e, record in zip(bib.entries, resolution.entries, strict=True):
            if memo is None or record is not e:
                issues.extend(entry_issues(bib, e, record, s))
            else:
                issues.extend(memo.issues(e, functools.partial(entry_issues, bib, e, e, s)))
        issues.extend(check_duplicate_keys(bib))
        issues.extend(check_slug_collisions(bib))
        issues.extend(check_duplicate_identifiers(bib))
        issues.extend(check_near_duplicates(bib))
    return sorted(at_profile_level(issues, s.profile.content_errors), key=Issue.sort_key)


def entry_issues(bib: BibFile, e: Entry, record: Entry, s: Settings) -> list[Issue]:
    """The checks of one entry (ENTRY_CHECKS, RECORD_CHECKS on its record, FIELD_CHECKS): what reads no other."""
    huge = [f for f in e.fields if len(f.value) > MAX_FIELD]
    if huge:  # nothing else is read of an entry that holds such a value: every later step would pay for it
        fix = f"shorten it below {MAX_FIELD:,} characters"
        return [
            at_field(bib, e, f, "field-too-large", f"{f.name} is {len(f.value):,} characters long", fix, value=False)
            for f in huge
        ]
    issues: list[Issue] = []
    for check in ENTRY_CHECKS:
        issues.extend(check(bib, e, s))
    for check in RECORD_CHECKS if inherit.is_work(e) else ():
        issues.extend(check(bib, record, s))
    for f in e.fields:
        for fcheck in FIELD_CHECKS.get(f.name, ()):
            issues.extend(fcheck(bib, e, f, s))
    return issues


def check_coding(bib: BibFile, scheme: coding.Scheme | None, memo: EntryMemo | None = None) -> Iterator[Issue]:
    """The evidence coding of every work (refkb.coding): values in their vocabularies, required dimensions."""
    if scheme is None:
        return
    if memo is not None:
        memo.start((bib.path, scheme, sorted(bib.macros.items())))
    for e in inherit.works(bib.entries):
        if memo is None:
            yield from entry_coding(bib, e, scheme)
        else:
            yield from memo.issues(e, functools.partial(entry_coding, bib, e, scheme))


def entry_coding(bib: BibFile, e: Entry, scheme: coding.Scheme) -> list[Issue]:
    """The coding problems of one work."""
    out = []
    for p in coding.problems(e, scheme):
        if p.field is None:
            out.append(at_entry(bib, e, p.code, p.message, p.fix))
        else:
            pos = p.field.position_of(p.offset)
            out.append(issue(bib.path, pos.line, pos.col, p.code, e.key, p.message, p.fix))
    return out


def read_bibliography(project: Project, memo: BibliographyMemo | None = None) -> tuple[BibFile, list[Issue]]:
    """The project's bibliography: its macro files (extra.refkb.bibliography lists several) read first, in order,
    so that their @string macros are defined in the last file, which holds the entries; with the macro files'
    own syntax problems. With a `memo` of the last read, only what changed is read again (refkb.bibmemo)."""
    paths = [*project.macro_files, project.bibliography]
    bibs = bibfile.read_set(paths, [project.relative(p) for p in paths], memo.reader if memo is not None else None)
    return bibs[-1], [i for b in bibs[:-1] for i in b.issues]


def project_settings(project: Project, today: dt.date | None = None) -> Settings:
    """The settings of the project's checks: its vocabularies and profile. Topics are a closed vocabulary under the
    knowledge-base profile, and under another only when the project lists some (else keywords are free)."""
    topics = project.topic_slugs if project.profile.kb_fields or project.topics else None
    return Settings(
        today or dt.date.today(),
        topics,
        frozenset(project.sourcekinds),
        project.titles == "sentence-case",
        project.profile,
    )


def validate_bibliography(
    project: Project,
    bib: BibFile,
    settings: Settings,
    macro_issues: Sequence[Issue] | None = None,
    memo: BibliographyMemo | None = None,
) -> list[Issue]:
    """The checks that read the bibliography alone (its macro files' syntax included, as `read_bibliography`
    returned it — read again only when not given): what `mkdocs serve` can keep while only pages change, and with
    a `memo` of the last run, what it checks again of an edited bibliography (refkb.checks.incremental)."""
    if macro_issues is None:
        macro_issues = read_bibliography(project)[1] if project.macro_files else []
    return (
        validate_bib(bib, settings, memo.checks if memo is not None else None)
        + list(macro_issues)
        + list(check_coding(bib, project.coding, memo.coding if memo is not None else None))
        + list(name_variants.check(bib))
    )


def validate_project(
    project: Project,
    today: dt.date | None = None,
    notes: Sequence[annotation.Annotation] | None = None,
    data: kbdata.Data | None = None,
    bib: BibFile | None = None,
    bib_issues: Sequence[Issue] | None = None,
    page_memo: PageMemo | None = None,
    note_memo: NoteMemo | None = None,
) -> tuple[BibFile, list[Issue]]:
    """The project's references.bib with every check, its annotation pages (read here unless given) and the
    citations in docs/. `bib_issues` are `validate_bibliography`'s, when the caller kept them for this `bib`.
    Pages and data cite works: a citation of an @xdata entry is an error (refkb.inherit.is_work). The memos keep
    the pages' and the annotations' own findings between runs in one process (`mkdocs serve`)."""
    with bibfile.no_gc():  # tens of thousands of acyclic objects live: the collector's passes cost 15% of the run
        return _validate_project(project, today, notes, data, bib, bib_issues, page_memo, note_memo)


def _validate_project(
    project: Project,
    today: dt.date | None,
    notes: Sequence[annotation.Annotation] | None,
    data: kbdata.Data | None,
    bib: BibFile | None,
    bib_issues: Sequence[Issue] | None,
    page_memo: PageMemo | None,
    note_memo: NoteMemo | None = None,
) -> tuple[BibFile, list[Issue]]:
    settings = project_settings(project, today)
    if bib is None:
        bib, _ = read_bibliography(project)
    issues = list(bib_issues) if bib_issues is not None else validate_bibliography(project, bib, settings)
    if not any(i.code == "encoding-not-utf8" for i in issues):
        scanned = annotation.scan(project.annotations) if notes is None else notes
        issues.extend(check_annotations(project, bib, scanned, settings.today, note_memo))
        issues.extend(check_freshness(project, scanned, settings.today))
        issues.extend(check_docs_pages(project, settings.today, page_memo))
        keys = {e.key for e in bib.entries}  # an @xdata key is known: inheritance.check_cited says it is no work
        issues.extend(check_citations(project, keys, page_memo))
        issues.extend(inheritance.check_cited(project, bib, page_memo))
        if project.profile.do_no_harm:
            issues.extend(check_do_no_harm(project, keys, page_memo))
        issues.extend(check_data(project, bib, settings.today, data))
    return bib, sorted(at_profile_level(issues, project.profile.content_errors), key=Issue.sort_key)


def check_data(project: Project, bib: BibFile, today: dt.date, data: kbdata.Data | None = None) -> list[Issue]:
    """The knowledge base's data files (claims, glossary, timeline: read here unless given), the search log, the
    slugs and the claims ledger, against the works of `bib`."""
    works = inherit.works(bib.entries)
    data = data if data is not None else kbdata.load(project, {e.key for e in works}, today)
    issues = list(data.issues)
    issues.extend(check_search_log(project, {e.key for e in works}, today))
    issues.extend(slugs.check(project, data))
    claims_path = project.relative(project.docs / "claims.yml")
    issues.extend(ledger.check(claims_path, data.claims, {e.key: e for e in works}))
    return issues


def search_vocabulary(project: Project) -> dict[str, list[str]]:
    """The slugs a search may aim at: topics and the coding's values (platform categories apart)."""
    vocab: dict[str, list[str]] = {"topics": [t.slug for t in project.topics]}
    scheme = project.coding
    if scheme is not None:
        vocab["platform_categories"] = [c.slug for c in scheme.categories]
        for dim in scheme.dimensions:
            vocab[dim.name] = list(dim.by_slug)
    return vocab


def check_search_log(project: Project, keys: set[str], today: dt.date) -> Iterator[Issue]:
    """The search log and screening records (extra.refkb.searches), when the project keeps one."""
    if project.searches is None:
        return
    log = searchlog.load(project.searches, project.relative(project.searches), search_vocabulary(project))
    yield from log.issues
    if not log.issues:
        yield from searchlog.check(log, keys, today, [t.slug for t in project.topics])


def check_names_table() -> list[tuple[str, str, str]]:
    """(code, level, meaning) for documentation."""
    return [(code, level.value, meaning) for code, (level, meaning) in CODES.items()]


def capped(issues: Sequence[Issue], per_code: int) -> list[str]:
    """The issues rendered, at most `per_code` of one code and level (in order), then a line for each with more,
    counting the rest: 1,950 name-variant warnings read as twenty and '… and 1,930 more name-variant warnings'."""
    seen: dict[tuple[str, Level], int] = {}
    lines = []
    for i in issues:
        n = seen[i.code, i.level] = seen.get((i.code, i.level), 0) + 1
        if n <= per_code:
            lines.append(i.render())
    for (code, level), n in seen.items():
        if n > per_code:
            lines.append(f"… and {n - per_code:,} more {code} {level.value}s (refkb validate lists every one)")
    return lines
