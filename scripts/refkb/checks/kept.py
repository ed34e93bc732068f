"""`refkb validate` with what it found kept between runs (`.cache/refkb/validate.json`): the same issues as
`suite.validate_project`, in the same order, with each file's own findings taken from the cache when neither the
file nor what its checks depend on changed.

What is kept, each under a key (a digest of its parts: `Run.key`) made of the file's content digest and of
`context`: a digest of refkb's own code and data files, of the libraries that read the files, of the project's
settings (refkb.project.Project, mkdocs.yml's text) and, for the checks that read the day, of the day:
- the bibliography (references.bib and its macro files together): every issue of `suite.validate_bibliography`,
  and what the other files' checks read of each entry (`annotations.Work`: key, work or @xdata, designs, place);
- each annotation page: its own checks' issues and its verification date (`annotations.NoteFound`), and, apart,
  its appraisal's issues for the designs its work codes;
- each page of docs/: its page checks' issues, the keys it cites and where (`docs_pages.Cited`), and what do no
  harm finds in it (`harm.HarmFound`: a handle is judged against the bibliography's keys);
- the data files, the search log, the slugs and the claims ledger together (`suite.check_data`), under the
  digests of the bibliography and of the files they read.
What crosses files (entries without a page, pages of no entry, citations that resolve, @xdata cited, handles that
are citation keys, freshness) is worked out again on every run from the kept findings. A cache that cannot be read
is a cache that is empty; one that cannot be written is not kept."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .. import annotation, bibfile, cache, kbdata, safeyaml
from ..model import BibFile, Issue, Level
from ..project import Project
from . import suite
from .annotations import NoteFound, Work, annotation_issues, note_found, stale_notes, works_of
from .appraisal import check as appraisal_check
from .codes import at_profile_level
from .docs_pages import Cited, decoded, docs_page, page_cites, pages, unresolved
from .harm import Handle, HarmFound, harm_issues, helpline_digits, page_harm
from .inheritance import xdata_cited
from .settings import Settings

FILE = "validate.json"
T = TypeVar("T")


@functools.cache
def code_digest() -> str:
    """refkb's own code and data files (the checks and what they call; not the site's package) and the versions of
    Python and of the libraries that read the files: an edited check is a new key."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    files = [*root.glob("*.py"), *root.glob("checks/*.py"), *root.glob("data/*")]
    for path in sorted(p for p in files if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    libraries = (sys.version, bibfile.parser_version(), safeyaml.version())
    return cache.digest(h.hexdigest(), libraries)


def _content(data: bytes | None) -> str:
    return "" if data is None else hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _issues(rows: Any) -> tuple[Issue, ...]:
    """Issues from their `as_dict` form (ValueError, KeyError or TypeError when it is not that)."""
    return tuple(
        Issue(r["path"], r["line"], r["col"], Level(r["level"]), r["code"], r["key"], r["message"], r["fix"])
        for r in rows
    )


def _rows(issues: Iterable[Issue]) -> list[dict[str, str | int]]:
    return [i.as_dict() for i in issues]


@dataclass(frozen=True)
class PageFound:
    """What the checks of one page of docs/ found in it alone."""

    issues: tuple[Issue, ...]
    cites: tuple[Cited, ...]
    harm: HarmFound | None  # None when the profile does not check it


@dataclass
class Run:
    """One `refkb validate` of a project, its findings looked up in and kept for the next run in `kept`."""

    project: Project
    kept: cache.JsonCache
    settings: Settings
    files: dict[Path, bytes | None] = field(default_factory=dict)  # read once this run
    parsed: BibFile | None = None
    notes: dict[str, Path] = field(default_factory=dict)  # annotation pages by their path relative to the project
    shown: dict[Path, str] = field(default_factory=dict)  # and those paths by page (project.relative, once a page)
    read_notes: dict[Path, annotation.Annotation] = field(default_factory=dict)  # parsed this run
    note_data: dict[Path, bytes] = field(default_factory=dict)  # the bytes each was parsed from
    digests: dict[Path, str] = field(default_factory=dict)  # of the files' bytes as read this run

    @property
    def keeping(self) -> bool:
        """Findings are looked up and kept (not with --no-cache: then no key is worked out either)."""
        return self.kept.path is not None

    def content(self, path: Path) -> str:
        """The digest of a file's bytes as read this run, for a key, worked out once ('' when nothing is kept)."""
        if not self.keeping:
            return ""
        if path not in self.digests:
            self.digests[path] = _content(self.data(path))
        return self.digests[path]

    def key(self, *parts: str | Sequence[str] | Sequence[tuple[str, str]]) -> str:
        """The key of a finding made of `parts`, texts and lists of them ('' when nothing is kept): the digest of
        their repr (quoted, escaped: one text for one value), without refkb.cache.digest's canonical form, which only
        the settings and the project need (in `context` and `day`)."""
        if not self.keeping:
            return ""
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def forget(self) -> None:
        """Read the files again (they may have changed while they were checked)."""
        self.files.clear()
        self.digests.clear()

    @functools.cached_property
    def helplines(self) -> set[str]:
        """The digits of the help lines the pages may give (harm.helpline_digits), worked out once."""
        return helpline_digits(self.project)

    @functools.cached_property
    def context(self) -> str:
        """What every finding depends on besides its file, but the day."""
        config = _read(self.project.root / "mkdocs.yml")
        return cache.digest(code_digest(), self.project, _content(config))

    @functools.cached_property
    def day(self) -> str:
        """`context` and the settings of the checks (the day among them)."""
        return cache.digest(self.context, self.settings)

    def relative(self, path: Path) -> str:
        """`project.relative(path)`, worked out once for an annotation page (it is a page of docs/ too)."""
        rel = self.shown.get(path)
        return self.project.relative(path) if rel is None else rel

    def data(self, path: Path) -> bytes | None:
        if path not in self.files:
            self.files[path] = _read(path)
        return self.files[path]

    def note(self, path: Path) -> annotation.Annotation:
        if path not in self.read_notes:
            data = self.data(path)
            self.read_notes[path] = annotation.read(path, data)
            if data is not None:
                self.note_data[path] = data
        return self.read_notes[path]

    def text(self, path: Path, data: bytes) -> str | None:
        """A page's text (docs_pages.decoded): an annotation page's as its note read it, when it was read."""
        note = self.read_notes.get(path)
        if note is not None and note.meta_code == "annotation-front-matter" and self.note_data.get(path) is data:
            return note.text  # decoded from these bytes: a page too large or not UTF-8 has another meta_code
        return decoded(data)

    def bib(self) -> BibFile:
        if self.parsed is None:
            self.parsed, _ = suite.read_bibliography(self.project)
        return self.parsed

    def look(self, key: str, decode: Callable[[Any], T]) -> T | None:
        """The kept value of `key` as `decode` makes it, or None (not kept, or not in the shape it writes)."""
        value = self.kept.get(key) if self.keeping else None
        if value is None:
            return None
        try:
            return decode(value)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def validate_project(project: Project, cache_dir: Path | None, today: dt.date | None = None) -> list[Issue]:
    """`suite.validate_project`'s issues for the project, its findings kept in `cache_dir` between runs; with no
    `cache_dir` (--no-cache), nothing read or kept, every file read once and checked in one pass."""
    with bibfile.no_gc():
        kept = cache.JsonCache(cache_dir / FILE if cache_dir is not None else None)
        run = Run(project, kept, suite.project_settings(project, today))
        issues = _validate(run)
        run.kept.save()
    return issues


def _validate(run: Run) -> list[Issue]:
    project, settings = run.project, run.settings
    bib_issues, works, bib_key = _bibliography(run)
    issues = list(bib_issues)
    if not any(i.code == "encoding-not-utf8" for i in issues):
        notes = _notes(run)
        bib_path = project.relative(project.bibliography)
        issues.extend(annotation_issues(project, bib_path, works, notes, lambda n, d: _appraisal(run, n, d)))
        issues.extend(stale_notes(project, notes, settings.today))
        found = {rel: _page(run, md, rel) for md in pages(project) for rel in (run.relative(md),)}
        issues.extend(i for f in found.values() for i in f.issues)
        keys = {w.key for w in works}
        issues.extend(i for rel, f in found.items() for i in unresolved(project, rel, f.cites, keys))
        xdata = frozenset(w.key for w in works if not w.work)
        if xdata:
            issues.extend(i for rel, f in found.items() for i in xdata_cited(rel, f.cites, xdata))
        if project.profile.do_no_harm:
            issues.extend(i for f in found.values() if f.harm is not None for i in harm_issues(f.harm, keys))
        issues.extend(_data(run, bib_key))
    return sorted(at_profile_level(issues, project.profile.content_errors), key=Issue.sort_key)


def _bib_content(run: Run) -> str:
    paths = [*run.project.macro_files, run.project.bibliography]
    return run.key([run.content(p) for p in paths]) if run.keeping else ""


def _bibliography(run: Run) -> tuple[Sequence[Issue], Sequence[Work], str]:
    """The bibliography's issues and works, kept or found, and the digest of its files."""
    content = _bib_content(run)
    key = run.key("bib", run.day, content)

    def decode(value: Any) -> tuple[tuple[Issue, ...], list[Work]]:
        works = [Work(k, bool(w), tuple(str(d) for d in ds), int(ln), int(c)) for k, w, ds, ln, c in value["works"]]
        return _issues(value["issues"]), works

    readable = run.keeping and all(
        run.data(p) is not None for p in [*run.project.macro_files, run.project.bibliography]
    )
    kept = run.look(key, decode) if readable else None
    if kept is not None:
        return kept[0], kept[1], content
    bib = run.bib()
    issues = suite.validate_bibliography(run.project, bib, run.settings)
    works = works_of(bib)
    if not run.keeping:
        return issues, works, content
    run.forget()  # read again: the files may have changed while they were parsed
    if _bib_content(run) == content:
        rows = [[w.key, w.work, list(w.designs), w.line, w.col] for w in works]
        run.kept.put(key, {"issues": _rows(issues), "works": rows})
    return issues, works, content


def _notes(run: Run) -> list[NoteFound]:
    """What each annotation page's own checks found, kept or found."""
    out = []
    folder = _folder(run.project)
    for path in annotation.pages(run.project.annotations):
        data = run.data(path)
        rel = run.project.relative(path) if folder is None else path.name if folder == "." else f"{folder}/{path.name}"
        run.notes[rel] = path
        run.shown[path] = rel
        key = run.key("note", run.day, rel, run.content(path))

        def decode(value: Any, path: Path = path, rel: str = rel) -> NoteFound:
            on = value["verified_on"]
            return NoteFound(
                path.stem, rel, _issues(value["issues"]), None if on is None else dt.date.fromisoformat(on)
            )

        found = run.look(key, decode) if data is not None else None
        if found is None:
            found = note_found(run.project, run.note(path), run.settings.today, rel)
            if data is not None and run.keeping:
                on = None if found.verified_on is None else found.verified_on.isoformat()
                run.kept.put(key, {"issues": _rows(found.issues), "verified_on": on})
        out.append(found)
    return out


def _folder(project: Project) -> str | None:
    """The annotation pages' folder as `project.relative` shows it, when it shows each page as the folder and the
    page's name (the folder under the project's root, as it was written): worked out once, not for every page."""
    folder = project.annotations
    if folder.is_absolute() and not project.root.is_absolute():
        return None  # project.relative resolves the page's path
    try:
        return folder.relative_to(project.root).as_posix()
    except ValueError:
        return None


def _appraisal(run: Run, note: NoteFound, designs: tuple[str, ...]) -> Iterator[Issue]:
    """The appraisal's issues of an annotation page for the designs its work codes, kept or found."""
    path = run.notes[note.path]
    data = run.data(path)
    key = run.key("appraisal", run.context, note.path, run.content(path), designs)
    kept = run.look(key, _issues) if data is not None else None
    if kept is None:
        primary = run.project.coding.primary if run.project.coding else frozenset()
        kept = tuple(appraisal_check(note.path, run.note(path), designs, primary))
        if data is not None and run.keeping:
            run.kept.put(key, _rows(kept))
    return iter(kept)


def _page(run: Run, md: Path, rel: str) -> PageFound:
    """What one page of docs/ holds, kept or found."""
    data = run.data(md)
    key = run.key("page", run.context, rel, run.content(md))

    def decode(value: Any) -> PageFound:
        harm = value["harm"]
        return PageFound(
            _issues(value["issues"]),
            tuple(Cited(str(k), int(ln), int(c)) for k, ln, c in value["cites"]),
            None
            if harm is None
            else HarmFound(
                rel, _issues(harm["issues"]), tuple(Handle(str(n), int(ln), int(c)) for n, ln, c in harm["handles"])
            ),
        )

    kept = run.look(key, decode) if data is not None else None
    if kept is not None:
        return kept
    read = run.text(md, data) if data is not None else None  # None: too large or not UTF-8 (docs_page says so)
    text = read or ""
    harm = page_harm(rel, text, run.helplines) if run.project.profile.do_no_harm else None
    found = PageFound(tuple(docs_page(run.project, md, data, rel, read)), tuple(page_cites(text)), harm)
    if data is not None and run.keeping:
        kept_harm = (
            None
            if harm is None
            else {"issues": _rows(harm.issues), "handles": [[h.name, h.line, h.col] for h in harm.handles]}
        )
        run.kept.put(key, {"issues": _rows(found.issues), "cites": [list(c) for c in found.cites], "harm": kept_harm})
    return found


def _data(run: Run, bib_content: str) -> Sequence[Issue]:
    """`suite.check_data`'s issues, kept under the bibliography's digest and those of the files it reads."""
    project = run.project
    files = [project.docs / name for name in kbdata.FILES]
    files += [p for p in (project.searches,) if p is not None]
    if project.coding is not None and project.coding.source:
        files.append(project.root / project.coding.source)

    def contents() -> list[tuple[str, str]]:
        return [(project.relative(p), run.content(p)) for p in files]

    if not run.keeping:
        return suite.check_data(project, run.bib(), run.settings.today)
    before = contents()
    key = run.key("data", run.day, bib_content, before)
    kept = run.look(key, _issues)
    if kept is None:
        kept = tuple(suite.check_data(project, run.bib(), run.settings.today))
        run.forget()  # read again: the files may have changed while they were checked
        if contents() == before and _bib_content(run) == bib_content:
            run.kept.put(key, _rows(kept))
    return kept
