"""How long a cold build's own process waits for the style workers, next to the build's wall and CPU time: where
the engine work is waited for instead of overlapped with the pages (refkb.later).

Builds the real knowledge base grown to N works (benchmarks/grow.py) cold (no .cache), ROUNDS times, in one
process per build that times refkb.site.works.format_works (the works read and formatted: the build waits there
for the styles the pages need at once) and refkb.later.Later.wait (the other styles, waited for when first read),
and prints one line per build. With BEFORE=<path of another checkout's scripts/> each round also builds with that
code first (PYTHONPATH), for a paired comparison; code without refkb.later reports 0 for the second wait.

Usage: python benchmarks/waits.py [N] [ROUNDS]   (default 1,000 works, 2 rounds)
"""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _timed_build() -> None:
    """`mkdocs build` with the two waits timed (runs in the build's process)."""
    import refkb.site.works as works

    spent = {"format_works": 0.0, "later": 0.0}
    start = time.monotonic()
    formatting = works.format_works

    def format_works(*args: Any, **kwargs: Any) -> None:
        t0 = time.monotonic()
        formatting(*args, **kwargs)
        spent["format_works"] += time.monotonic() - t0

    works.format_works = format_works
    try:
        from refkb import later
    except ImportError:  # code from before refkb.later
        pass
    else:
        waiting = later.Later.wait

        def wait(self: later.Later) -> None:
            t0 = time.monotonic()
            waiting(self)
            spent["later"] += time.monotonic() - t0

        later.Later.wait = wait  # type: ignore[method-assign]

    def report() -> None:
        own = resource.getrusage(resource.RUSAGE_SELF)
        print(
            f"refkb-waits: format_works {spent['format_works']:.1f} s, later {spent['later']:.1f} s, "
            f"wall {time.monotonic() - start:.1f} s, the build's process CPU {own.ru_utime + own.ru_stime:.1f} s",
            file=sys.stderr,
        )

    atexit.register(report)
    from mkdocs.__main__ import cli

    cli()


def _build(site: Path, out: Path, before: str) -> str:
    shutil.rmtree(site / ".cache", ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if before:
        env["PYTHONPATH"] = before
    else:
        env.pop("PYTHONPATH", None)
    argv = [sys.executable, __file__, "--in-build", "build", "--strict", "-d", str(out)]
    result = subprocess.run(argv, cwd=site, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"the build failed:\n{result.stderr[-3000:]}")
    line = next((x for x in result.stderr.splitlines() if x.startswith("refkb-waits:")), "refkb-waits: none")
    return f"{line[len('refkb-waits: ') :]}, load average {os.getloadavg()[0]:.1f}"


def main(argv: list[str]) -> int:
    from grow import grow

    n = int(argv[0]) if argv else 1000
    rounds = int(argv[1]) if len(argv) > 1 else 2
    before = os.environ.get("BEFORE", "")
    base = Path(tempfile.mkdtemp(prefix=f"refkb-waits-{n}-"))
    try:
        site = grow(base / "refkb", n)
        for r in range(rounds):
            codes = [("before", before), ("after", "")] if before else [("this code", "")]
            for name, path in codes if r % 2 == 0 else codes[::-1]:
                print(f"round {r + 1}, {name}: {_build(site, base / 'site', path)}", flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--in-build"]:
        del sys.argv[1]
        _timed_build()
    else:
        sys.exit(main(sys.argv[1:]))
