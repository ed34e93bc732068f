"""From save to served page: how long a maintainer waits with `make serve` running (`mkdocs serve --dirty`), on the
real knowledge base grown to N works (benchmarks/grow.py).

Builds the site once with `mkdocs build` (the disk cache a maintainer's earlier build or server left), starts
`mkdocs serve --dirty` on 127.0.0.1, waits for its first build (the styles taken from that cache: no engine loaded
by then), then saves files as a maintainer does, at once, and polls the page that shows the change until it does:
- first bib save:  the first save of references.bib after the server started (a title edit), reported on its own;
                   the server loads the style engines in the background from the moment the works are formatted,
                   and this save waits for what is not loaded yet (with `--cold-start`, no build before: the
                   server's first build formats every style and loads the engines itself);
- annotation:      a sentence appended to an annotation (docs/references/<key>.md), on the work's page;
- title:           a title changed in references.bib, on the work's page;
- coding:          a coding field changed in references.bib (the design, e.g. qualitative to mixed-methods: coding
                   lives in the entry's fields), on the work's page (its facet link);
- topic page:      a sentence appended to a topic page (docs/topics/<slug>.md), on that page.
Prints every trial and the median and maximum per kind, with the median of the server's CPU time from the save to
the served page (its process, all its threads, from /proc; the page engine's process is not counted). Targets at
1,000 works: annotation at most 1 s median and 2 s max; title, coding and topic page at most 2 s max; at 5,000 works
at most 3 s max.

Usage: python benchmarks/serve.py [N] [TRIALS] [--cold-start]   (default 1,000 works, 5 trials per kind)
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from grow import grow
from runs import command, table

DESIGNS = ("qualitative", "quantitative", "mixed-methods")  # coding values any empirical work may take


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:  # 127.0.0.1 only
            return str(r.read().decode("utf-8", "replace"))
    except OSError:
        return ""


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user and system, all its threads), or 0 where /proc cannot say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(url: str, marker: str, limit: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if marker in fetch(url):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not show {marker!r} within {limit:.0f} s")


@dataclass(frozen=True)
class Edit:
    """One save: what to write, and the page and text that show it is served."""

    kind: str
    save: Callable[[], None]
    page: str
    marker: str


class Site:
    """The grown knowledge base being served, and the edits a maintainer makes to it."""

    def __init__(self, root: Path, url: str, pid: int = 0) -> None:
        self.root, self.url, self.pid = root, url, pid
        self.cpu: dict[str, list[float]] = {}  # kind -> the server's CPU time per save
        self.bib = root / "references.bib"
        text = self.bib.read_text(encoding="utf-8")
        self.keys = re.findall(r"^@\w+\{([^,]+),", text, re.M)
        designs = re.findall(r"^@\w+\{([^,]+),\n(?:  .*\n)*?  design = \{([\w-]+)\}", text, re.M)
        self.designed = [k for k, d in designs if d in DESIGNS]
        self.topics = sorted(p.stem for p in (root / "docs" / "topics").glob("*.md"))

    def _bib_field(self, key: str, name: str, change: Callable[[str], str]) -> None:
        text = self.bib.read_text(encoding="utf-8")
        pattern = r"(@\w+\{" + re.escape(key) + r",\n(?:  .*\n)*?  " + name + r" = \{)([^\n]*)(\},)"
        new, count = re.subn(pattern, lambda m: m.group(1) + change(m.group(2)) + m.group(3), text, count=1)
        if not count:
            raise SystemExit(f"no {name} field in [{key}]")
        self.bib.write_text(new, encoding="utf-8")

    def title(self, t: int) -> Edit:
        """A word appended to the title (the first words stay: the key still follows the convention)."""
        key = self.keys[(t * 89 + 13) % len(self.keys)]
        word = f"retitled{time.time_ns() % 10**9}"

        def save() -> None:
            self._bib_field(key, "title", lambda old: re.sub(r" retitled\d+$", "", old) + " " + word)

        return Edit("title", save, f"references/{key}/", word)

    def annotation(self, t: int) -> Edit:
        key = self.keys[(t * 97) % len(self.keys)]
        note = self.root / "docs" / "references" / f"{key}.md"
        marker = f"Edited in trial {t} at {time.time_ns()}"

        def save() -> None:
            note.write_text(note.read_text(encoding="utf-8") + f"\n{marker}.\n", encoding="utf-8")

        return Edit("annotation", save, f"references/{key}/", marker)

    def coding(self, t: int) -> Edit:
        key = self.designed[(t * 31 + 7) % len(self.designed)]
        current = re.search(
            r"@\w+\{" + re.escape(key) + r",\n(?:  .*\n)*?  design = \{([\w-]+)\}", self.bib.read_text(encoding="utf-8")
        )
        new = next(d for d in DESIGNS if current is None or d != current.group(1))
        return Edit(
            "coding", lambda: self._bib_field(key, "design", lambda _: new), f"references/{key}/", f'?design={new}"'
        )

    def topic(self, t: int) -> Edit:
        slug = self.topics[t % len(self.topics)]
        page = self.root / "docs" / "topics" / f"{slug}.md"
        marker = f"Topic edited in trial {t} at {time.time_ns()}"

        def save() -> None:
            page.write_text(page.read_text(encoding="utf-8") + f"\n{marker}.\n", encoding="utf-8")

        return Edit("topic page", save, f"topics/{slug}/", marker)

    def timed(self, edit: Edit, limit: float = 300) -> float:
        before = cpu_seconds(self.pid)
        edit.save()
        took = wait_for(self.url + edit.page, edit.marker, limit)
        self.cpu.setdefault(edit.kind, []).append(cpu_seconds(self.pid) - before)
        return took


def trials(site: Site, count: int, times: dict[str, list[float]]) -> None:
    first = site.title(0)
    times["first bib save"].append(site.timed(dataclasses.replace(first, kind="first bib save")))
    print(f"first references.bib save: {times['first bib save'][-1]:.2f} s", file=sys.stderr)
    for t in range(count):
        for edit in (site.annotation(t), site.title(t + 1), site.coding(t), site.topic(t)):
            times[edit.kind].append(site.timed(edit))
        print(f"trial {t + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items() if v), file=sys.stderr)


def main(argv: list[str]) -> int:
    numbers = [a for a in argv if not a.startswith("--")]
    n = int(numbers[0]) if numbers else 1000
    count = int(numbers[1]) if len(numbers) > 1 else 5
    base = Path(tempfile.mkdtemp(prefix=f"refkb-serve-{n}-"))
    root = grow(base / "refkb", n)
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if "--cold-start" not in argv:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(base / "built")],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        print(f"N={n}: the disk cache filled by mkdocs build in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    log = (base / "serve.log").open("w", encoding="utf-8")  # the server's log, shown when a trial fails
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    kinds = ("first bib save", "annotation", "title", "coding", "topic page")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    try:
        site = Site(root, f"http://127.0.0.1:{port}/", server.pid)
        start = time.perf_counter()
        wait_for(site.url + f"references/{site.keys[0]}/", "Summary", 1800)
        print(f"N={n}: first build served after {time.perf_counter() - start:.1f} s", file=sys.stderr)
        trials(site, count, times)
    except TimeoutError as exc:
        log.flush()
        tail = (base / "serve.log").read_text(encoding="utf-8").splitlines()[-40:]
        print(f"{exc}\n--- the server's last log lines ---\n" + "\n".join(tail), file=sys.stderr)
        return 1
    finally:
        log.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(base, ignore_errors=True)
    targets = {"annotation": "median ≤ 1 s, max ≤ 2 s"} | dict.fromkeys(("title", "coding", "topic page"), "max ≤ 2 s")
    if n >= 5000:
        targets = dict.fromkeys(kinds[1:], "max ≤ 3 s")
    cpu = {k: f"{statistics.median(v):.2f} s" if v else "" for k, v in site.cpu.items()}
    rows = [
        [
            f"{n:,}",
            k,
            f"{statistics.median(v):.2f} s",
            f"{max(v):.2f} s",
            cpu.get(k, ""),
            str(len(v)),
            targets.get(k, ""),
        ]
        for k, v in times.items()
    ]
    header = ("N", "save", "median", "max", "server CPU (median)", "trials", "target")
    print(table("From save to served page with `mkdocs serve --dirty`", header, rows, command("serve.py", argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
