"""The `refkb` command: `validate` and `format` (exit 0 clean, 1 problems found or refused, 2 usage or I/O error)."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from . import bibfile, project, validate
from .model import BibFile, Issue, Level

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
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


def cmd_validate(args: argparse.Namespace) -> int:
    proj = find_project()
    issues: list[Issue] = []
    paths = [Path(p) for p in args.paths]
    if not paths:
        if proj is None:
            raise UsageError("no mkdocs.yml here or above: name a .bib file, or run inside the project")
        if not proj.bibliography.is_file():
            raise UsageError(f"{proj.relative(proj.bibliography)}: no such file")
        _, issues = validate.validate_project(proj)
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
        if proj is not None and path.resolve() == proj.bibliography.resolve():
            _, found = validate.validate_project(proj)
        else:
            found = validate.validate_bib(_read(path))
        issues.extend(found)
    issues.sort(key=Issue.sort_key)
    report(issues, args.format, sys.stdout)
    if args.format == "text":
        _summary(issues, sys.stderr)
    return EXIT_PROBLEMS if any(i.level is Level.ERROR for i in issues) else EXIT_OK


def _read(path: Path) -> BibFile:
    try:
        return bibfile.read(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from exc


def cmd_format(args: argparse.Namespace) -> int:
    if args.path:
        path = Path(args.path)
    else:
        proj = find_project()
        if proj is None:
            raise UsageError("no mkdocs.yml here or above: name the .bib file to format")
        path = proj.bibliography
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    bib = _read(path)
    errors = [i for i in bib.issues if i.level is Level.ERROR]
    if errors:
        report(errors, "text", sys.stderr)
        sys.stderr.write(f"refkb format: {path} has {len(errors)} syntax error(s); nothing was written\n")
        return EXIT_PROBLEMS
    canonical = bibfile.format_text(bib)
    original = bib.text
    if args.check:
        if canonical == path.read_text(encoding="utf-8-sig"):
            return EXIT_OK
        diff = difflib.unified_diff(
            original.splitlines(True), canonical.splitlines(True), f"{path}", f"{path} (canonical)"
        )
        sys.stdout.writelines(diff)
        sys.stderr.write(f"refkb format --check: {path} is not in canonical form; run refkb format {path}\n")
        return EXIT_PROBLEMS
    if canonical == path.read_text(encoding="utf-8-sig"):
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


def cmd_codes(args: argparse.Namespace) -> int:
    for code, level, meaning in validate.check_names_table():
        sys.stdout.write(f"{code:24} {level:8} {meaning}\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refkb", description="Validate, format and build the knowledge base's references.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("validate", help="check references.bib, annotation pages and citations")
    v.add_argument("paths", nargs="*", metavar="PATH", help=".bib files (default: the project)")
    v.add_argument("--format", choices=("text", "json", "github"), default="text")
    v.set_defaults(func=cmd_validate)
    f = sub.add_parser("format", help="rewrite a .bib file in canonical form")
    f.add_argument("path", nargs="?", metavar="PATH", help="the .bib file (default: the project's)")
    f.add_argument("--check", action="store_true", help="write nothing; show a diff and exit 1 when not canonical")
    f.add_argument("--quiet", "-q", action="store_true", help="say nothing when all is well")
    f.set_defaults(func=cmd_format)
    c = sub.add_parser("codes", help="list every check code")
    c.set_defaults(func=cmd_codes)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args))
    except UsageError as exc:
        sys.stderr.write(f"refkb: {exc}\n")
        return EXIT_USAGE
    except project.ConfigError as exc:
        sys.stderr.write(f"refkb: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
