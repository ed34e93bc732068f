"""Annotation pages (`docs/references/<slug>.md`): one per entry under the knowledge-base profile, with verification
front matter (`verified_at`, `verified_on`) and five sections; under other profiles optional, and checked when present
(readable, front-matter keys of the right type, verification dates not in the future). A page belongs to the entry
whose key, or whose key's slug, is its name; an @xdata entry is no work and has none (refkb.inherit.is_work). Also
the age of each verification (`stale-verification`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .. import annotation, freshness, frontmatter, inherit
from ..keys import SAFE_KEY, slug
from ..model import BibFile, Issue
from ..project import Project
from ..values import url_problem
from . import appraisal as appraisal_check
from . import trail
from .codes import issue


@dataclass
class NoteMemo:
    """Each annotation page's own findings and its appraisal's, kept between runs in one process (`mkdocs serve`):
    a note read again only when its file changed is the same object, so a kept finding is looked up by the note's
    identity (the note is held, so its address is not reused) while the settings they were made under are equal."""

    made_under: object = None
    found: dict[str, tuple[annotation.Annotation, NoteFound]] = field(default_factory=dict)
    appraised: dict[str, tuple[annotation.Annotation, tuple[str, ...], tuple[Issue, ...]]] = field(default_factory=dict)


def check_annotations(
    project: Project,
    bib: BibFile,
    notes: Iterable[annotation.Annotation],
    today: dt.date | None = None,
    memo: NoteMemo | None = None,
) -> Iterator[Issue]:
    notes = list(notes)
    by_key = {n.key: n for n in notes}
    primary = project.coding.primary if project.coding else frozenset()
    memo = memo if memo is not None else NoteMemo()
    under = (today, project.root, project.annotations, project.profile, primary)
    if memo.made_under != under:
        memo.made_under, memo.found, memo.appraised = under, {}, {}

    def appraise(found: NoteFound, designs: tuple[str, ...]) -> Iterable[Issue]:
        note = by_key[found.key]
        kept = memo.appraised.get(found.path)
        if kept is None or kept[0] is not note or kept[1] != designs:
            kept = (note, designs, tuple(appraisal_check.check(found.path, note, designs, primary)))
            memo.appraised[found.path] = kept
        return kept[2]

    def own(note: annotation.Annotation) -> NoteFound:
        kept = memo.found.get(str(note.path))
        if kept is None or kept[0] is not note:
            kept = memo.found[str(note.path)] = (note, note_found(project, note, today))
        return kept[1]

    found = [own(n) for n in notes]
    return annotation_issues(project, bib.path, works_of(bib), found, appraise)


@dataclass(frozen=True)
class Work:
    """What the annotation checks read of an entry: its key, whether it is a work (refkb.inherit.is_work), the
    designs it codes (the appraisal's instrument follows them) and where it starts."""

    key: str
    work: bool
    designs: tuple[str, ...]
    line: int
    col: int


def works_of(bib: BibFile) -> list[Work]:
    """Every entry of `bib` as the annotation checks read it, in order."""
    out = []
    for e in bib.entries:
        designs = tuple(d.strip() for d in e.value("design").split(",") if d.strip())
        p = e.pos
        out.append(Work(e.key, inherit.is_work(e), designs, p.line, p.col))
    return out


@dataclass(frozen=True)
class NoteFound:
    """What one annotation page's own checks found (`check_annotation`, its trail), whatever the bibliography holds,
    and its verification date (its freshness depends on the day)."""

    key: str
    path: str  # the page, relative to the project
    issues: tuple[Issue, ...]
    verified_on: dt.date | None


def note_found(
    project: Project, note: annotation.Annotation, today: dt.date | None, path: str | None = None
) -> NoteFound:
    """One page's own findings; `path` is the page relative to the project, when the caller has it."""
    path = project.relative(note.path) if path is None else path
    own = [*check_annotation(path, note, today, project.profile.annotations_required), *trail.check(path, note)]
    return NoteFound(note.key, path, tuple(own), note.verified_on)


def annotation_issues(
    project: Project,
    bib_path: str,
    works: Sequence[Work],
    notes: Iterable[NoteFound],
    appraise: Callable[[NoteFound, tuple[str, ...]], Iterable[Issue]],
) -> Iterator[Issue]:
    """Entries without their page, pages of no work, each page's own findings and, where the project asks for
    appraisals, `appraise`'s findings for a page and its work's designs."""
    required = project.profile.annotations_required
    by_key = {n.key: n for n in notes}
    by_name = {w.key: w for w in works}
    for w in works:
        if w.key:
            by_name.setdefault(slug(w.key), w)
        if required and w.work and w.key and SAFE_KEY.match(w.key) and w.key not in by_key:
            want = project.relative(project.annotations / f"{w.key}.md")
            yield issue(
                bib_path,
                w.line,
                w.col,
                "missing-annotation",
                w.key,
                f"no annotation page {want}",
                "create it (refkb add scaffolds one) with the five sections",
            )
    for key, note in sorted(by_key.items()):
        entry = by_name.get(key)
        if entry is None or not entry.work:
            yield _orphan(project, note.path, key, entry is not None)
            entry = None
        yield from note.issues
        if project.appraisal_required and entry is not None:
            yield from appraise(note, entry.designs)


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
    found = [NoteFound(n.key, project.relative(n.path), (), n.verified_on) for n in notes]
    return stale_notes(project, found, today)


def stale_notes(project: Project, notes: Iterable[NoteFound], today: dt.date) -> Iterator[Issue]:
    """`check_freshness` on what the pages' checks found."""
    months = project.stale_after_months
    for note in sorted(notes, key=lambda n: n.key):
        on = note.verified_on
        if on is not None and freshness.is_stale(on, today, months):
            yield issue(
                note.path,
                1,
                1,
                "stale-verification",
                note.key,
                f"verified_on {on.isoformat()} is more than {months} months before {today.isoformat()}",
                "re-check the record on the issuing body's page and update verified_on (and verified_at)",
            )
