"""Annotation pages (`docs/references/<slug>.md`): one per entry under the knowledge-base profile, with verification
front matter (`verified_at`, `verified_on`) and five sections; under other profiles optional, and checked when present
(readable, front-matter keys of the right type, verification dates not in the future). A page belongs to the entry
whose key, or whose key's slug, is its name; an @xdata entry is no work and has none (refkb.inherit.is_work). Also
the age of each verification (`stale-verification`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from .. import annotation, freshness, frontmatter, inherit
from ..keys import SAFE_KEY, slug
from ..model import BibFile, Issue
from ..project import Project
from ..values import url_problem
from . import appraisal as appraisal_check
from . import trail
from .codes import at_entry, issue


def check_annotations(
    project: Project, bib: BibFile, notes: Iterable[annotation.Annotation], today: dt.date | None = None
) -> Iterator[Issue]:
    required = project.profile.annotations_required
    by_key = {n.key: n for n in notes}
    by_name = {e.key: e for e in bib.entries}
    for e in bib.entries:
        if e.key:
            by_name.setdefault(slug(e.key), e)
        if required and inherit.is_work(e) and e.key and SAFE_KEY.match(e.key) and e.key not in by_key:
            want = project.relative(project.annotations / f"{e.key}.md")
            yield at_entry(
                bib,
                e,
                "missing-annotation",
                f"no annotation page {want}",
                "create it (refkb add scaffolds one) with the five sections",
            )
    for key, note in sorted(by_key.items()):
        path = project.relative(note.path)
        entry = by_name.get(key)
        if entry is None or not inherit.is_work(entry):
            yield _orphan(project, path, key, entry is not None)
            entry = None
        yield from check_annotation(path, note, today, required)
        yield from trail.check(path, note)
        if project.appraisal_required and entry is not None:
            designs = [d.strip() for d in entry.value("design").split(",") if d.strip()]
            primary = project.coding.primary if project.coding else frozenset()
            yield from appraisal_check.check(path, note, designs, primary)


def _orphan(project: Project, path: str, key: str, xdata: bool) -> Issue:
    """A page of no work: of no entry, or of an @xdata entry, which gets no reference page to show it on."""
    bibliography = project.relative(project.bibliography)
    if xdata:
        message = f"[{key}] is an @xdata entry in {bibliography}: it holds fields for others and has no page"
        return issue(path, 1, 1, "orphan-annotation", key, message, "annotate the works that name it; delete the page")
    message = f"no entry [{key}] in {bibliography}"
    return issue(path, 1, 1, "orphan-annotation", key, message, "add the entry or delete the page")


def check_annotation(
    path: str, note: annotation.Annotation, today: dt.date | None = None, required: bool = True
) -> Iterator[Issue]:
    """One annotation page. `required` (the knowledge-base profile): front matter with verified_at and verified_on,
    and the five sections, must be there; otherwise only what is there is checked."""
    key = note.key
    if note.meta_code != "annotation-front-matter":  # not UTF-8, too large: nothing else can be checked
        fix = "save the page as UTF-8" if note.meta_code == "encoding-not-utf8" else "shorten the page"
        yield issue(path, note.meta_line, note.meta_col, note.meta_code, key, note.meta_error, fix)
        return
    if note.meta_error:
        if required or note.meta_error != "no front matter":
            yield issue(
                path,
                note.meta_line,
                note.meta_col,
                "annotation-front-matter",
                key,
                note.meta_error,
                note.meta_fix or "start the page with ---, verified_at: [urls], verified_on: YYYY-MM-DD, ---",
            )
    else:
        yield from _front_matter(path, note, today or dt.date.today(), required)
    if required:
        yield from _sections(path, note)


def _front_matter(path: str, note: annotation.Annotation, today: dt.date, required: bool) -> Iterator[Issue]:
    key = note.key

    def line_of(name: str) -> int:
        return note.meta_lines.get(name, 2)

    for p in frontmatter.problems(note.meta, frontmatter.ANNOTATION_KEYS):
        fix = "an annotation's front matter holds verified_at, verified_on, content_note and appraisal only"
        yield issue(path, line_of(p.key), 1, "front-matter-key", key, p.problem, fix)
    urls = note.verified_at
    if (required or "verified_at" in note.meta) and (not urls or any(url_problem(u) for u in urls)):
        yield issue(
            path,
            line_of("verified_at"),
            1,
            "annotation-front-matter",
            key,
            "verified_at must list the http(s) pages where the record was confirmed",
            "add verified_at: [https://...]",
        )
    if note.verified_on is None:
        if required or "verified_on" in note.meta:
            message = "verified_on must be a date (YYYY-MM-DD)"
            yield issue(
                path, line_of("verified_on"), 1, "annotation-front-matter", key, message, "add verified_on: YYYY-MM-DD"
            )
    elif note.verified_on > today:
        yield issue(
            path,
            line_of("verified_on"),
            1,
            "future-date",
            key,
            f"verified_on {note.verified_on} is in the future",
            "write the day the record was checked",
        )


def _sections(path: str, note: annotation.Annotation) -> Iterator[Issue]:
    for section in annotation.SECTIONS:
        if section not in note.sections:
            fix = f"add '## {section}' with its text"
            yield issue(path, note.body_line, 1, "missing-section", note.key, f"no '## {section}' section", fix)
        elif not note.sections[section]:
            line = note.section_lines[section]
            yield issue(path, line, 1, "empty-section", note.key, f"'## {section}' is empty", "write the section")


def check_freshness(project: Project, notes: Iterable[annotation.Annotation], today: dt.date) -> Iterator[Issue]:
    """Annotations verified longer ago than the configured age (a missing date is annotation-front-matter's)."""
    months = project.stale_after_months
    for note in sorted(notes, key=lambda n: n.key):
        on = note.verified_on
        if on is not None and freshness.is_stale(on, today, months):
            yield issue(
                project.relative(note.path),
                1,
                1,
                "stale-verification",
                note.key,
                f"verified_on {on.isoformat()} is more than {months} months before {today.isoformat()}",
                "re-check the record on the issuing body's page and update verified_on (and verified_at)",
            )
