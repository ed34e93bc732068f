"""From save to served page: how long a maintainer waits with `make serve` running (`mkdocs serve --dirty`).

Builds a synthetic knowledge base of N references (default 1,000: a page per reference, a topic page citing every
work), starts `mkdocs serve --dirty` on 127.0.0.1, waits for the first build, then for each trial:
- annotation edit: appends a unique sentence to one annotation and polls that reference page until it shows it;
- title edit:      changes one entry's title in references.bib and polls the work's page until it shows it.
Prints every trial and the median and maximum per kind. Target: at most 2 s.

Usage: python benchmarks/serve.py [N] [TRIALS]
"""

from __future__ import annotations

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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
from cold import write_sites  # noqa: E402


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


def wait_for(url: str, marker: str, limit: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if marker in fetch(url):
            return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not show {marker!r} within {limit:.0f} s")


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 1000
    trials = int(argv[1]) if len(argv) > 1 else 5
    base = Path(tempfile.mkdtemp(prefix=f"refkb-serve-{n}-"))
    _, site = write_sites(n, base)
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    log = (base / "serve.log").open("w", encoding="utf-8")  # the server's log, shown when a trial fails
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=site,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        text=True,
    )
    try:
        bib = (site / "references.bib").read_text(encoding="utf-8")
        keys = re.findall(r"^@\w+\{([^,]+),", bib, re.M)
        wait_for(f"http://127.0.0.1:{port}/references/{keys[0]}/", "Summary", 600)
        times: dict[str, list[float]] = {"annotation edit": [], "title edit": []}
        for t in range(trials):
            key = keys[(t * 97) % len(keys)]
            note = site / "docs" / "references" / f"{key}.md"
            marker = f"Edited in trial {t} at {time.time_ns()}"
            note.write_text(note.read_text(encoding="utf-8") + f"\n{marker}.\n", encoding="utf-8")
            times["annotation edit"].append(wait_for(f"http://127.0.0.1:{port}/references/{key}/", marker, 120))
            key = keys[(t * 89 + 13) % len(keys)]
            title = f"Retitled work {t} {time.time_ns()}"
            bib = re.sub(
                r"(@\w+\{" + re.escape(key) + r",\n(?:.*\n)*?  title = \{)[^\n]*(\},)", rf"\g<1>{title}\2", bib, count=1
            )
            (site / "references.bib").write_text(bib, encoding="utf-8")
            times["title edit"].append(wait_for(f"http://127.0.0.1:{port}/references/{key}/", title, 120))
            print(
                f"trial {t + 1}: annotation {times['annotation edit'][-1]:.2f} s, title {times['title edit'][-1]:.2f} s"
            )
        for kind, ts in times.items():
            print(f"{kind} at N={n}: median {statistics.median(ts):.2f} s, max {max(ts):.2f} s ({trials} trials)")
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
