"""The `refkb` command: `validate` and `format` (exit 0 clean, 1 problems found or refused, 2 usage or I/O error)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

from . import appraisal, bibfile, children, profiles, project
from .checks import docs_pages, suite
from .checks.settings import Settings
from .errors import RefkbError
from .model import BibFile, Issue, Level, text_lines

if TYPE_CHECKING:  # imported where used: `refkb validate` does not load what add and check-links need
    from . import intake, links

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(RefkbError):
    """A problem with how refkb was called or with reading its input: exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        raise UsageError(message)


def find_project(start: Path | None = None) -> project.Project | None:
    """The project whose mkdocs.yml is in `start` or the nearest folder above it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "mkdocs.yml").is_file():
            return project.load(folder)
    return None


def report(issues: Sequence[Issue], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        json.dump([i.as_dict() for i in issues], out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    for i in issues:
        if fmt == "github":
            kind = "error" if i.level is Level.ERROR else "warning"
            text = f"[{i.key}] {i.message} — {i.fix}" if i.key else f"{i.message} — {i.fix}"
            text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            out.write(f"::{kind} file={i.path},line={i.line},col={i.col},title={i.code}::{text}\n")
        else:
            out.write(i.render() + "\n")


def _summary(issues: Sequence[Issue], out: TextIO) -> None:
    errors = sum(i.level is Level.ERROR for i in issues)
    warnings = len(issues) - errors
    out.write(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}\n")


def _macro_files(args: argparse.Namespace) -> list[Path]:
    files = [Path(m) for m in getattr(args, "macros", None) or []]
    for m in files:
        if not m.is_file():
            raise UsageError(f"{m}: no such file (--macros)")
    return files


def _read_set(paths: Sequence[Path], macro_files: Sequence[Path]) -> list[BibFile]:
    """`macro_files` then `paths`, in order, each seeing the @string macros of those before it (as BibTeX reads
    `\\bibliography{abbrv,refs}`); returns the BibFiles of all of them."""
    try:
        return bibfile.read_set([*macro_files, *paths])
    except OSError as exc:
        raise UsageError(f"{exc.filename}: cannot read ({exc.strerror})") from exc


def cmd_validate(args: argparse.Namespace) -> int:
    proj = find_project()
    issues: list[Issue] = []
    paths = [Path(p) for p in args.paths]
    macro_files = _macro_files(args)
    if not paths:
        if proj is None:
            raise UsageError("no mkdocs.yml here or above: name a .bib file, or run inside the project")
        if not proj.bibliography.is_file():
            raise UsageError(f"{proj.relative(proj.bibliography)}: no such file")
        issues = _validate_project(proj, args)
        _engine_note()
    for path in [*macro_files, *paths]:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    project_bib = proj.bibliography.resolve() if proj is not None else None
    for path, bib in zip([*macro_files, *paths], _read_set(paths, macro_files), strict=True):
        if proj is not None and path.resolve() == project_bib and not macro_files and len(paths) == 1:
            found = _validate_project(proj, args)
        else:  # a file on its own: under the project's profile, or BibTeX's rules outside a project
            found = suite.validate_bib(bib, Settings(profile=proj.profile if proj is not None else profiles.BIBTEX))
        issues.extend(found)
    issues.sort(key=Issue.sort_key)
    report(issues, args.format, sys.stdout)
    if args.format == "text":
        _summary(issues, sys.stderr)
    return EXIT_PROBLEMS if any(i.level is Level.ERROR for i in issues) else EXIT_OK


def _validate_project(proj: project.Project, args: argparse.Namespace) -> list[Issue]:
    """Every check of the project, its findings kept between runs in .cache/refkb (unless --no-cache)."""
    _recover(proj)
    from .checks import kept

    return kept.validate_project(proj, None if getattr(args, "no_cache", False) else proj.root / ".cache" / "refkb")


def _engine_note() -> None:
    """citeproc-js not installed: one line now, so that the build is not the first to say so (the checks do not
    need it, and the exit code does not change)."""
    from . import enginefiles, guard

    try:
        enginefiles.script_path()
    except enginefiles.EngineError as exc:
        sys.stderr.write(f"refkb: warning: {guard.explain(exc)}; the checks ran, the site cannot be built until then\n")


def _read(path: Path) -> BibFile:
    try:
        return bibfile.read(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


def _recover(proj: project.Project) -> None:
    """Finish a commit a crash interrupted (entry and annotation: both or neither), if no writer is busy."""
    from . import writes

    with contextlib.suppress(OSError):
        writes.try_recover(proj.bibliography, [proj.annotations])


def cmd_format(args: argparse.Namespace) -> int:
    macro_files = _macro_files(args)
    paths = [Path(p) for p in args.paths]
    if not paths:
        proj = find_project()
        if proj is None:
            raise UsageError("no mkdocs.yml here or above: name the .bib file to format")
        macro_files = [*proj.macro_files, *macro_files]
        paths = [proj.bibliography]
    for path in [*macro_files, *paths]:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    code = EXIT_OK
    for path in paths:
        code = max(code, _format_one(args, path, [*macro_files, *paths[: paths.index(path)]]))
    return code


def _format_one(args: argparse.Namespace, path: Path, before: Sequence[Path]) -> int:
    """Format one file of a set; `before` are the files read before it (their @string macros are defined)."""
    from . import writes

    if args.check:
        return _format_locked(args, path, before)
    try:
        with writes.lock(path, on_wait=lambda m: sys.stderr.write(f"refkb format: {m}\n")):
            return _format_locked(args, path, before)
    except writes.LockHeld as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot lock ({exc.strerror})") from exc


def _format_locked(args: argparse.Namespace, path: Path, before: Sequence[Path]) -> int:
    bib = _read_set([path], before)[-1]
    errors = [i for i in bib.issues if i.level is Level.ERROR and i.code != "undefined-macro"]
    undefined = [i for i in bib.issues if i.code == "undefined-macro"]
    if errors:
        report(errors, "text", sys.stderr)
        sys.stderr.write(f"refkb format: {path} has {len(errors)} syntax error(s); nothing was written\n")
        return EXIT_PROBLEMS
    if undefined and not args.quiet:  # BibTeX reads such a file with its abbreviations file: keep the bare word
        report([dataclasses.replace(i, level=Level.WARNING) for i in undefined], "text", sys.stderr)
        sys.stderr.write(
            f"refkb format: {len(undefined)} macro(s) not defined in {path} were kept as they are "
            "(name the file that defines them first, or with --macros)\n"
        )
    canonical = bibfile.format_text(bib)
    original = bib.text
    current = path.read_bytes()
    if args.check:
        if canonical.encode("utf-8") == current:
            return EXIT_OK
        diff = difflib.unified_diff(text_lines(original), text_lines(canonical), f"{path}", f"{path} (canonical)")
        sys.stdout.writelines(diff)
        sys.stderr.write(f"refkb format --check: {path} is not in canonical form; run refkb format {path}\n")
        return EXIT_PROBLEMS
    if canonical.encode("utf-8") == current:
        if not args.quiet:
            sys.stderr.write(f"{path}: already canonical\n")
        return EXIT_OK
    try:
        bibfile.write_atomic(path, canonical)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror})") from exc
    if not args.quiet:
        sys.stderr.write(f"{path}: formatted ({len(bib.entries)} entries)\n")
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from . import crossref, intake

    proj = find_project()
    if proj is None:
        raise UsageError("no mkdocs.yml here or above: run refkb add inside the project")
    sources = sum(bool(x) for x in (args.source, args.doi, args.type))
    if sources != 1:
        raise UsageError("give one of: a BibTeX file (or - for standard input), --doi DOI, or --type TYPE --field ...")
    try:
        plan = _plan_add(args, proj, _candidate(args))
    except crossref.Offline as exc:
        raise UsageError(f"cannot reach Crossref ({exc}); add the entry as BibTeX or with --type/--field") from exc
    except crossref.NotFound:
        sys.stderr.write(f"refkb add: Crossref does not know DOI {args.doi}\n")
        return EXIT_PROBLEMS
    except intake.Refused as exc:
        report(exc.issues, "text", sys.stderr)
        sys.stderr.write(f"refkb add: {exc}\n")
        return EXIT_PROBLEMS
    if args.dry_run:
        sys.stdout.write(plan.diff(proj.root))
    _report_added(args, proj, plan)
    return EXIT_OK


def _candidate(args: argparse.Namespace) -> intake.Candidate:
    """The entry to add, from the one source given: a DOI (Crossref), --type and --field, or BibTeX (file or -)."""
    from . import intake

    if args.doi:
        return intake.from_doi(args.doi)
    if args.type:
        return intake.from_fields(args.type, args.field)
    if args.source == "-":
        return intake.from_bibtex(_stdin_text(), intake.PASTED)
    return intake.from_bibtex(_read_text(Path(args.source)), args.source)


def _plan_add(args: argparse.Namespace, proj: project.Project, candidate: intake.Candidate) -> intake.Plan:
    """The addition planned (--dry-run), or planned again and written under the bibliography's lock, so that no
    other add is lost; a LockHeld (another writer kept the lock) reaches the guard as one line."""
    from . import intake, writes

    if args.dry_run:
        return intake.plan(proj, candidate)
    with writes.lock(
        proj.bibliography, on_wait=lambda m: sys.stderr.write(f"refkb add: {m}\n"), clean=[proj.annotations]
    ):
        plan = intake.plan(proj, candidate)  # read again under the lock: no other add is lost
        try:
            intake.apply(plan)
        except OSError as exc:
            raise UsageError(f"cannot write ({exc.strerror}): nothing was changed") from exc
    return plan


def _report_added(args: argparse.Namespace, proj: project.Project, plan: intake.Plan) -> None:
    """What was added (or would be) and what is left to do: JSON on stdout, or lines on stderr unless --quiet."""
    bib_path = proj.relative(plan.bib_path)
    if args.json:
        json.dump(
            {
                "key": plan.key,
                "written": not args.dry_run,
                "bibliography": bib_path,
                "line": plan.entry.pos.line,
                "annotation": proj.relative(plan.note_path) if plan.note_path else None,  # none for @xdata
                "annotation_created": plan.note_text is not None,
                "notes": plan.notes,
                "warnings": [w.as_dict() for w in plan.warnings],
                "left_to_do": list(plan.left_to_do),
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
    elif not args.quiet:
        out = sys.stderr
        verb = "would add" if args.dry_run else "added"
        out.write(f"{verb} [{plan.key}] to {bib_path}:{plan.entry.pos.line}\n")
        if plan.note_path is not None and plan.note_text is not None:
            out.write(
                f"{'would create' if args.dry_run else 'created'} {proj.relative(plan.note_path)} "
                "(annotation template, verified_at empty)\n"
            )
        for note in plan.notes:
            out.write(f"note: {note}\n")
        report(plan.warnings, "text", out)
        out.write("left to do:\n" + "".join(f"  {i}. {t}\n" for i, t in enumerate(plan.left_to_do, 1)))


def _decoded(data: bytes, shown: str) -> str:
    if len(data) > bibfile.MAX_BYTES:
        raise UsageError(f"{shown}: larger than {bibfile.MAX_BYTES // (1024 * 1024)} MB")
    text, problem = bibfile.decode(data, shown)
    if problem is not None:
        raise UsageError(problem.render())
    return text


def _stdin_text() -> str:
    return _decoded(sys.stdin.buffer.read(bibfile.MAX_BYTES + 1), "<stdin>")


def _read_text(path: Path) -> str:
    try:
        return _decoded(path.read_bytes(), str(path))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


def cmd_check_links(args: argparse.Namespace) -> int:
    proj = find_project()
    if proj is None:
        raise UsageError("no mkdocs.yml here or above: run refkb check-links inside the project")
    if args.fix_archive and not args.online:
        raise UsageError("--fix-archive needs --online")
    results: list[links.UrlResult] = []
    if args.online:
        checked = _check_online(args, proj)
        if checked is None:
            return EXIT_PROBLEMS
        issues, results = checked
    else:
        found = _check_built_site(args, proj)
        if found is None:
            return EXIT_PROBLEMS
        issues = found
    issues.sort(key=Issue.sort_key)
    if args.json:
        payload: object = [r.as_dict() for r in results] if args.online else [i.as_dict() for i in issues]
        json.dump(payload, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif not args.quiet or issues:
        report(issues, "text", sys.stdout)
        if not args.quiet:
            _summary(issues, sys.stderr)
    return EXIT_PROBLEMS if any(i.level is Level.ERROR for i in issues) else EXIT_OK


def _check_built_site(args: argparse.Namespace, proj: project.Project) -> list[Issue] | None:
    """The links of the site in --site, or of one built now into a temporary folder; None when it does not build."""
    import tempfile

    from . import links

    if args.site:
        site = Path(args.site)
        if not site.is_dir():
            raise UsageError(f"{site}: no such folder")
        return [p.as_issue() for p in links.check_site(site)]
    with tempfile.TemporaryDirectory(prefix="refkb-site-") as tmp:
        if not _build_site(args, proj, Path(tmp)):
            return None
        return [p.as_issue() for p in links.check_site(Path(tmp))]


def _build_site(args: argparse.Namespace, proj: project.Project, site: Path) -> bool:
    """`mkdocs build --strict` into `site`; False (its messages written to stderr) when it fails."""
    import subprocess

    if not args.quiet and not args.json:
        sys.stderr.write("building the site (mkdocs build --strict) …\n")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=proj.root,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    if built.returncode != 0:
        sys.stderr.write(built.stderr[-4000:])
        sys.stderr.write("refkb check-links: the site does not build (above); links were not checked\n")
    return built.returncode == 0


def _check_online(args: argparse.Namespace, proj: project.Project) -> tuple[list[Issue], list[links.UrlResult]] | None:
    """Every URL of the bibliography checked over the network (and archived copies written with --fix-archive);
    None when the bibliography has syntax errors or the archive URLs cannot be written (said on stderr)."""
    from . import links
    from .progress import Progress

    bib = _read(proj.bibliography)
    if bib.has_errors:
        report([i for i in bib.issues if i.level is Level.ERROR], "text", sys.stderr)
        return None
    checker = links.Checker(timeout=args.timeout, retries=args.retries, delay=args.delay)
    count = sum(1 for e in bib.entries for n in ("url", "archiveurl") if e.value(n).strip())
    with Progress(count, "checking links", enabled=None if not (args.quiet or args.json) else False) as bar:
        results = links.check_urls(bib, checker, links.citing_pages(proj), bar.advance)
    path = proj.relative(proj.bibliography)
    if args.fix_archive and not _fix_archive(args, proj, results):
        return None
    return [r.as_issue(path) for r in results if r.status != "ok"], results


def _fix_archive(args: argparse.Namespace, proj: project.Project, results: Sequence[links.UrlResult]) -> bool:
    """Write the archived copies found into archiveurl, under the bibliography's lock; False when refused."""
    from . import links, writes

    try:
        with writes.lock(proj.bibliography):
            changed = links.fix_archive(proj.bibliography, list(results))
    except ValueError as exc:
        sys.stderr.write(f"refkb check-links: {exc}\n")
        return False
    if changed and not args.quiet:
        sys.stderr.write(f"wrote archiveurl for {', '.join(changed)} in {proj.relative(proj.bibliography)}\n")
    return True


def cmd_stats(args: argparse.Namespace) -> int:
    """The knowledge base's counts: sources, recent sources, annotations, topics, claims, glossary, timeline."""
    from collections import Counter

    from . import annotation, citations, inherit, kbdata

    proj = find_project()
    if proj is None:
        raise UsageError("no mkdocs.yml here or above")
    works = inherit.works(_read(proj.bibliography).entries)  # an @xdata entry is no work
    keys = {e.key for e in works}
    scanned = annotation.scan(proj.annotations)
    notes = {n.key for n in scanned}
    confidence = {k: a.confidence for k, a in appraisal.of_notes({n.key: n.meta for n in scanned}).items()}
    years = [int(m.group(0)) for e in works if (m := re.match(r"\d{4}", e.value("date") or e.value("year")))]
    topics: dict[str, dict[str, int]] = {}
    topic_sources: dict[str, set[str]] = {}
    for t in proj.topics:
        page = proj.docs / "topics" / f"{t.slug}.md"
        text = docs_pages.read_page(page) if page.is_file() else ""
        cited = {k for c in citations.find(text) for k in c.keys if k in keys}
        # Words of prose: without headings, admonition titles, citations and link targets.
        body = re.sub(r"^#.*$|^!!!.*$|\[[^\]]*@[^\]]*\]|\]\([^)]*\)", " ", citations.mask(text), flags=re.M)
        topic_sources[t.slug] = cited | {e.key for e in works if t.slug in e.value("keywords")}
        topics[t.slug] = {
            "cited_sources": len(cited),
            "words": len(re.findall(r"\b\w+\b", body)),
            "tagged_sources": sum(t.slug in e.value("keywords") for e in works),
        }
    data = kbdata.load(proj, keys)
    stats = {
        "sources": len(works),
        "sources_2020_or_later": sum(y >= 2020 for y in years),
        "annotations": f"{len(notes & keys)}/{len(keys)}",
        "kinds": dict(Counter(e.value("sourcekind") for e in works)),
        "topics": topics,
        "claims": dict(Counter(c.verdict for c in data.claims)),
        "claims_total": len(data.claims),
        "glossary_terms": len(data.terms),
        "timeline_events": len(data.events),
    }
    from . import coding  # evidence coding: how many entries code each dimension, and with what

    coverage = coding.coverage(works, proj.coding) if proj.coding is not None else {}
    if coverage:
        stats["coding"] = coverage
        reach = coding.reach(works, proj.coding, topic_sources, confidence) if proj.coding is not None else {}
        stats["reach"] = reach
        stats["reach_definitions"] = {k: coding.REACH_DEFINITIONS[k] for k in reach}
    if args.json:
        json.dump(stats, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for name, value in stats.items():
            if name == "topics":
                for slug, counts in topics.items():
                    sys.stdout.write(
                        f"topic {slug:28} {counts['cited_sources']:3} cited sources, "
                        f"{counts['words']:5} words, {counts['tagged_sources']:3} tagged\n"
                    )
            elif name == "coding":
                for dim, cov in coverage.items():
                    top = ", ".join(f"{v} {n}" for v, n in list(cov["values"].items())[:5])
                    sys.stdout.write(
                        f"coding {dim:27} {cov['coded']:3}/{cov['of']} coded ({cov['percent']}%)"
                        f"{', ' + str(cov['unknown']) + ' unknown values' if cov['unknown'] else ''}"
                        f"; most used: {top or '-'}\n"
                    )
            elif name == "reach" and isinstance(value, dict):
                for what, figure in value.items():
                    shown = ", ".join(f"{k} {v}" for k, v in figure.items()) if isinstance(figure, dict) else figure
                    sys.stdout.write(f"reach {what:26} {shown}\n")
                    sys.stdout.write(f"      {'':26} = {coding.REACH_DEFINITIONS[what]}\n")
            elif name == "reach_definitions":
                continue
            else:
                sys.stdout.write(f"{name:24} {value}\n")
    return EXIT_OK


def cmd_codes(args: argparse.Namespace) -> int:
    for code, level, meaning in suite.check_names_table():
        sys.stdout.write(f"{code:24} {level:8} {meaning}\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refkb", description="Validate, format and build the knowledge base's references.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("validate", help="check references.bib, annotation pages and citations")
    v.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=".bib files, read in order sharing @string macros (default: the project)",
    )
    v.add_argument("--macros", action="append", metavar="FILE", help="a .bib file of @string macros, read first")
    v.add_argument("--format", choices=("text", "json", "github"), default="text")
    no_cache = "check every file again, without the findings kept in .cache/refkb/validate.json (nor keeping them)"
    v.add_argument("--no-cache", action="store_true", help=no_cache)
    v.set_defaults(func=cmd_validate)
    f = sub.add_parser("format", help="rewrite a .bib file in canonical form")
    f.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=".bib files, read in order sharing @string macros (default: the project's)",
    )
    f.add_argument("--macros", action="append", metavar="FILE", help="a .bib file of @string macros, read first")
    f.add_argument("--check", action="store_true", help="write nothing; show a diff and exit 1 when not canonical")
    f.add_argument("--quiet", "-q", action="store_true", help="say nothing when all is well")
    f.set_defaults(func=cmd_format)
    a = sub.add_parser("add", help="add a reference from BibTeX, a DOI or fields")
    a.add_argument("source", nargs="?", metavar="FILE", help="a file holding one BibTeX entry, or - for stdin")
    a.add_argument("--doi", help="look the DOI up at Crossref")
    a.add_argument("--type", help="entry type, with --field name=value ...")
    a.add_argument("--field", action="append", default=[], metavar="NAME=VALUE")
    a.add_argument("--dry-run", action="store_true", help="print the diff; write nothing")
    a.add_argument("--json", action="store_true", help="print what was done as JSON")
    a.add_argument("--quiet", "-q", action="store_true")
    a.set_defaults(func=cmd_add)
    k = sub.add_parser("check-links", help="check the built site's links (offline) or every URL (--online)")
    k.add_argument("--online", action="store_true", help="check every URL in references.bib over the network")
    k.add_argument("--fix-archive", action="store_true", help="write found archived copies into archiveurl")
    k.add_argument("--site", help="check this built site instead of building one")
    k.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    k.add_argument("--retries", type=int, default=2, help="retries after a timeout or a 5xx/429 (default 2)")
    k.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host (default 1)")
    k.add_argument("--json", action="store_true", help="print the results as JSON")
    k.add_argument("--quiet", "-q", action="store_true", help="print only problems; no progress bar")
    k.set_defaults(func=cmd_check_links)
    t = sub.add_parser("stats", help="count sources, annotations, topics, claims, glossary terms, events")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_stats)
    c = sub.add_parser("codes", help="list every check code")
    c.set_defaults(func=cmd_codes)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from . import guard

    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except RefkbError as exc:  # usage, configuration, unreadable input, an engine not installed: the file and the fix
        placed = bool(getattr(exc, "path", "")) and bool(getattr(exc, "line", 0))  # PATH:LINE:COL: like an issue
        sys.stderr.write(f"{'' if placed else 'refkb: '}{guard.explain(exc)}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except (MemoryError, RecursionError, Exception) as exc:  # the guard: one line, never a traceback
        sys.stderr.write(f"refkb: {guard.explain(exc)}\n")
        return EXIT_USAGE
    finally:
        children.end_all()  # every worker pool ended before Python's exit hooks (refkb.children)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
