"""The CSL engines refkb could use, formatting one whole library in one style (APA) in one call each:

- citeproc-js 2.4.63 in mini-racer's V8 (refkb's engine): compile the style, register the items, makeBibliography;
- citeproc-py 0.11.1 as shipped, and with its two hot spots memoised (the XPath query behind every macro lookup and
  `calls_variable`, recomputed on every render) — measured because the performance issue asked whether a patched
  citeproc-py would do;
- pandoc 3.9's citeproc, reading the same CSL-JSON (a separate program: its start-up is included).

Rounds alternate the engines so that load drift falls on all of them; prints the median and range per engine and
per work. citeproc-py needs the `citeproc-py` package, which refkb still installs for its locale files.

Usage: python benchmarks/engines.py [N] [ROUNDS]   (default 1000 works, 3 rounds)
"""

from __future__ import annotations

import functools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))
from refkb import bibfile, csl, engine  # noqa: E402
from validate import synthetic  # noqa: E402


def items_of(n: int) -> list[dict[str, Any]]:
    bib = bibfile.parse_text(synthetic(n), "synthetic.bib")
    return [csl.engine_item(csl.item(e)) for e in bib.entries]


def run_citeproc_js(items: list[dict[str, Any]]) -> int:
    js = engine.Citeproc()
    bib = js.load("apa", engine.style_path("apa").read_text(encoding="utf-8"), "en-US", items)
    return len(bib.entries)


def run_citeproc_py(items: list[dict[str, Any]], memoised: bool) -> int:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc import model as cmodel
    from citeproc.source.json import CiteProcJSON

    originals = (cmodel.CitationStylesElement.get_macro,)
    if memoised:
        macros: dict[tuple[int, str], Any] = {}

        def get_macro(self: Any, name: str) -> Any:
            key = (id(self.getroottree().getroot()), name)
            if key not in macros:
                macros[key] = originals[0](self, name)
            return macros[key]

        cmodel.CitationStylesElement.get_macro = get_macro
        for cls in {c for c in vars(cmodel).values() if isinstance(c, type) and "calls_variable" in vars(c)}:
            fn = vars(cls)["calls_variable"]
            cache: dict[tuple[int, int | None, str], bool] = {}

            def cached(self: Any, fn: Callable[[Any], bool] = fn, cache: dict[Any, bool] = cache) -> bool:
                key = (id(self.getroottree()), self.sourceline, str(self.attrib))
                if key not in cache:
                    cache[key] = fn(self)
                return cache[key]

            cls.calls_variable = cached  # type: ignore[attr-defined]
    try:
        clean = [{k: v for k, v in it.items() if k != "system_id"} for it in items]
        style = CitationStylesStyle(str(engine.style_path("apa")), locale="en-US", validate=False)
        bib = CitationStylesBibliography(style, CiteProcJSON(clean), formatter.html)
        for it in clean:
            bib.register(Citation([CitationItem(it["id"])]))
        return len(bib.bibliography())
    finally:
        if memoised:
            import importlib

            importlib.reload(cmodel)


def run_pandoc(items: list[dict[str, Any]]) -> int:
    import pypandoc

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "items.json"
        data.write_text(json.dumps(items), encoding="utf-8")
        out = subprocess.run(
            [
                pypandoc.get_pandoc_path(),
                "-f",
                "markdown",
                "-t",
                "html",
                "--citeproc",
                f"--bibliography={data}",
                f"--csl={engine.style_path('apa')}",
            ],
            input="---\nnocite: '@*'\n---\n",
            capture_output=True,
            text=True,
            check=True,
        )
    return out.stdout.count('class="csl-entry"')


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 1000
    rounds = int(argv[1]) if len(argv) > 1 else 3
    items = items_of(n)
    engines: dict[str, Callable[[], int]] = {
        "citeproc-js (mini-racer)": functools.partial(run_citeproc_js, items),
        "citeproc-py": functools.partial(run_citeproc_py, items, False),
        "citeproc-py, memoised": functools.partial(run_citeproc_py, items, True),
        "pandoc citeproc": functools.partial(run_pandoc, items),
    }
    times: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(rounds):
        for name, fn in engines.items():
            start = time.perf_counter()
            count = fn()
            times[name].append(time.perf_counter() - start)
            if count != n:
                print(f"warning: {name} formatted {count} of {n} works", file=sys.stderr)
    print(f"{n} works, APA, one call per engine, {rounds} alternating rounds")
    print(f"{'engine':<26} {'median':>8} {'range':>15} {'ms per work':>12}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<26} {med:>7.2f}s {min(ts):>6.2f}–{max(ts):.2f}s {1000 * med / n:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
