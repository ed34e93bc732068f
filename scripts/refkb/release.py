"""`make release VERSION=x.y.z [TAG=1]`: one version, bumped in every place that states it.

- CITATION.cff: `version:` and `date-released:` (the cite blocks and the print edition read them at build time);
- docs/changelog.md: the `## Unreleased` section becomes `## x.y.z — YYYY-MM-DD` (a new, empty section is opened
  above it); without an Unreleased section a new heading is added for the maintainer to fill in;
- scripts/refkb/__init__.py: `__version__`.

Releases are git tags, made only when asked, after the bump is committed: `make release VERSION=x.y.z` bumps,
`git commit -am "Release x.y.z"` commits, `make release VERSION=x.y.z TAG=1` (`--tag`) creates the annotated tag
`vx.y.z` — it refuses unless CITATION.cff already says x.y.z and those files have no uncommitted change. Files are
written atomically; nothing is written when any of them does not look as expected.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import RefkbError

VERSION = re.compile(r"^\d+\.\d+\.\d+(?:[-.][0-9A-Za-z.]+)?$")
FILES = ("CITATION.cff", "docs/changelog.md", "scripts/refkb/__init__.py")


class ReleaseError(RefkbError):
    """A release that cannot be made as asked: a file does not look as expected, or git refuses."""


def bump_citation(text: str, version: str, day: dt.date) -> str:
    if not re.search(r"^version:.*$", text, re.M) or not re.search(r"^date-released:.*$", text, re.M):
        raise ReleaseError("CITATION.cff: no version: or date-released: line")
    text = re.sub(r"^version:.*$", f"version: {version}", text, count=1, flags=re.M)
    return re.sub(r"^date-released:.*$", f"date-released: {day.isoformat()}", text, count=1, flags=re.M)


def bump_changelog(text: str, version: str, day: dt.date) -> str:
    heading = f"## {version} — {day.isoformat()}"
    if re.search(rf"^## {re.escape(version)}\b", text, re.M):
        raise ReleaseError(f"docs/changelog.md: {version} is already there")
    unreleased = re.search(r"^## Unreleased[ \t]*$", text, re.M | re.I)
    if unreleased:
        return text[: unreleased.start()] + "## Unreleased\n\n" + heading + text[unreleased.end() :]
    first = re.search(r"^## ", text, re.M)
    entry = f"{heading}\n\n- (what changed in {version})\n\n"
    if first is None:
        return text.rstrip("\n") + "\n\n" + entry.rstrip("\n") + "\n"
    return text[: first.start()] + entry + text[first.start() :]


def bump_init(text: str, version: str) -> str:
    if not re.search(r'^__version__ = "[^"]*"$', text, re.M):
        raise ReleaseError("scripts/refkb/__init__.py: no __version__ line")
    return re.sub(r'^__version__ = "[^"]*"$', f'__version__ = "{version}"', text, count=1, flags=re.M)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def release(root: Path, version: str, day: dt.date) -> list[str]:
    """Bump every file (all or none). Returns what was done, one line each."""
    if not VERSION.match(version):
        raise ReleaseError(f"VERSION must look like 1.2.3, not {version!r}")
    paths = [root / f for f in FILES]
    try:
        texts = [p.read_text(encoding="utf-8") for p in paths]
    except OSError as exc:
        raise ReleaseError(f"cannot read {exc.filename}: {exc.strerror}") from exc
    new = [bump_citation(texts[0], version, day), bump_changelog(texts[1], version, day), bump_init(texts[2], version)]
    for path, text in zip(paths, new, strict=True):
        _write(path, text)
    return [f"{f}: {version}" for f in FILES]


def tag(root: Path, version: str) -> str:
    """The annotated tag v<version>, once the bumped files are committed."""
    cff = (root / "CITATION.cff").read_text(encoding="utf-8")
    if not re.search(rf"^version: {re.escape(version)}$", cff, re.M):
        raise ReleaseError(f"CITATION.cff does not say version {version}: run make release VERSION={version} first")
    git = shutil.which("git")
    if git is None:
        raise ReleaseError("git is not installed: cannot tag")
    dirty = subprocess.run(
        [git, "-C", str(root), "status", "--porcelain", "--", *FILES], capture_output=True, text=True, check=False
    ).stdout.strip()
    if dirty:
        raise ReleaseError(f"commit the bumped files first (git commit -am 'Release {version}'), then tag")
    subprocess.run([git, "-C", str(root), "tag", "-a", f"v{version}", "-m", f"Release {version}"], check=True)
    return f"git tag v{version}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m refkb.release", description=__doc__.splitlines()[0])
    parser.add_argument("version")
    parser.add_argument("--tag", action="store_true", help="only create the annotated git tag v<version>")
    parser.add_argument("--date", help="release date (YYYY-MM-DD; default today)")
    parser.add_argument("--root", default=".")
    args = parser.parse_args(argv)
    try:
        day = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
        lines = [tag(Path(args.root), args.version)] if args.tag else release(Path(args.root), args.version, day)
        for line in lines:
            print(line)
    except (ReleaseError, ValueError, subprocess.CalledProcessError) as exc:
        print(f"release: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
