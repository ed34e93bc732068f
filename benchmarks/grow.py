"""The real knowledge base grown to N references, and its plain-MkDocs twin, for the benchmarks.

`grow(dest, n)` copies this repository's knowledge base (docs/, overrides/, mkdocs.yml, references.bib, coding.yml,
CITATION.cff; node_modules symlinked) into `dest` and adds works until references.bib holds `n` of them. Each new
work is a clone of a real one, in rounds ("generations"): generation g clones every real work once, in key order,
until `n` is reached. A clone keeps the real entry's type, authors, coding fields (topics, platforms, regions,
forms, populations, design, datasource), sourcekind and urldate; it gets a new year (the real one for undated works)
and a title of three seeded words before the real title, so no two works are near-duplicates, a key following the
convention `<prefix><year><first title word(s)>`, and its own DOI and URL. Its annotation page is the real work's,
front matter (verified_at, verified_on, appraisal) included. The pages that cite works grow in proportion: each
citing paragraph of a topic or platform page is repeated once per generation with its citations moved to that
generation's clones, and each claim of the ledger is repeated once per generation (id `c01g2`) in the same way
(up to 3 MB: refkb reads data files of at most 4 MB), so the coding, topics, platforms, ledger and evidence map grow
with the library. Seeded: the same `n` gives the same files.

`plain_twin(grown, dest)` writes the same site as plain MkDocs: the same theme, overrides and nav, search on, the
refkb plugin and its settings removed, and the same pages at the same paths, each holding what the maintainers
wrote: annotation bodies without front matter, the docs pages with `[@key]` citations as plain text `(key)`, and
for a page refkb generates with no source in docs/ (the library, reference pages without annotation, the
dashboard, ...) just its title. Reference pages stay out of the nav, as in the real site.

Usage: python benchmarks/grow.py DEST N [--plain PLAIN_DEST]
"""

from __future__ import annotations

import random
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from refkb import bibfile, keys  # noqa: E402
from refkb.model import Entry  # noqa: E402

SEED = 20261205
COPIED = ("docs", "overrides", "mkdocs.yml", "references.bib", "coding.yml", "CITATION.cff")
LEDGER_MAX = 3_000_000  # characters: refkb reads data files up to 4 MB, so the ledger stops growing here
YEARS = tuple(range(1950, 2026))  # more years than generations at 10,000 works: a clone per year


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = _words(
    "adaptive active applied bounded bridging candid careful casual central changing civic coastal "
    "collective combined common comparative complex concealed connected contested contextual coordinated "
    "critical crowded cumulative daily deliberate dense digital direct distant diverse domestic durable "
    "early emerging enduring everyday evolving explicit exposed external familiar fragile frontline "
    "gradual hidden hybrid implicit indirect informal inner invisible layered lasting latent linked "
    "local mapped marginal mobile modest mundane mutual narrow nested networked novel open ordinary "
    "organised partial patchy peripheral persistent plural portable practical private public quiet rapid "
    "reactive regional remote resilient routine rural scattered seasonal shared shifting silent situated "
    "slow small social steady strategic structured subtle sudden tacit temporary tentative transient "
    "transnational uneven unseen urban varied visible volatile wider"
)
NOUNS = _words(
    "accounts actors agendas alliances approaches archives arenas audiences borders boundaries brokers "
    "campaigns channels circuits claims clusters communities conduits contacts corridors currents cycles "
    "debates dynamics ecologies encounters environments exchanges experiences flows frames frontiers "
    "gateways geographies horizons infrastructures interfaces journeys landscapes layers ledgers lenses "
    "margins markets meanings mechanisms narratives networks niches orbits passages pathways patterns "
    "platforms portraits practices processes reckonings records regimes relations rhythms routes scenes "
    "signals spaces spheres stages strands systems terrains textures threads traces trajectories "
    "transitions voices webs worlds"
)
_CITE = re.compile(r"@([A-Za-z0-9][\w:-]*)")
_FIELD = re.compile(r"^  (\w+) = \{(.*)\},?$")
_YEAR = re.compile(r"^\d{4}")


@dataclass(frozen=True)
class Clone:
    """One new work: its key, the real work it copies, its generation and its entry's BibTeX text."""

    key: str
    source: str
    generation: int
    text: str


@dataclass(frozen=True)
class Growth:
    """The works of the grown site: the real keys and, per (real key, generation), the clone's key."""

    real: tuple[str, ...]
    clones: dict[tuple[str, int], str]
    generations: int

    def mapper(self, g: int) -> Callable[[str], str]:
        return lambda key: self.clones.get((key, g), key)


def _entry_texts(bib: str) -> dict[str, str]:
    """Each entry's text ('@type{key,' to its closing brace), by key, in file order."""
    out: dict[str, str] = {}
    for block in re.split(r"\n(?=@)", bib.strip()):
        m = re.match(r"@\w+\{([^,]+),", block)
        if m:
            out[m.group(1)] = block.strip()
    return out


def _fields(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for line in text.splitlines() if (m := _FIELD.match(line))}


def _set(text: str, name: str, value: str) -> str:
    return re.sub(rf"^(  {name} = \{{).*(\}},?)$", lambda m: m.group(1) + value + m.group(2), text, count=1, flags=re.M)


def _prefix(e: Entry) -> str:
    """The key prefix the real key uses (its author part)."""
    parts = keys.key_parts(e)
    for p in sorted(parts.prefixes, key=len, reverse=True):
        if e.key.startswith(p + parts.year):
            return p
    return sorted(parts.prefixes)[0]


def _clone(
    e: Entry, text: str, g: int, rng: random.Random, taken: set[str], taken_years: set[tuple[str, int]]
) -> Clone:
    f = _fields(text)
    date = f.get("date", "")
    year = "nd"
    if _YEAR.match(date):  # a year no other copy of this work has (the same title prefix is then harmless)
        year = str(rng.choice([y for y in YEARS if (e.key, y) not in taken_years] or YEARS))  # past 10,000: reuse
        taken_years.add((e.key, int(year)))
    count = 3 + len(f["title"]) // 30  # enough new words that two clones' titles are not near-identical
    words = [rng.choice(WORDS) for _ in range(count - 1)] + [rng.choice(NOUNS)]
    title = f"{words[0].capitalize()} {' '.join(words[1:])}: {f['title']}"
    prefix = _prefix(e)
    key = next(
        (k for k in (prefix + year + words[0], prefix + year + words[0] + words[1]) if k not in taken),
        "",
    )
    suffix = 2
    while not key:
        candidate = f"{prefix}{year}{words[0]}-{suffix}"
        key, suffix = (candidate if candidate not in taken else ""), suffix + 1
    taken.add(key)
    new = text.replace(f"{{{e.key},", f"{{{key},", 1)
    new = _set(new, "title", title)
    if year != "nd":
        new = _set(new, "date", year + date[4:])
    tag = f"{key}.g{g}"
    if "doi" in f:
        new = _set(new, "doi", f"{f['doi']}.{tag}")
        if "url" in f and "doi.org" in f["url"]:
            new = _set(new, "url", f"https://doi.org/{f['doi']}.{tag}")
    if "url" in f and "doi.org" not in f["url"]:
        sep = "&" if "?" in f["url"] else "?"
        new = _set(new, "url", f"{f['url']}{sep}refkb-bench={tag}")
    return Clone(key, e.key, g, new)


def _clones(bib_text: str, n: int) -> tuple[Growth, list[Clone]]:
    entries = bibfile.parse_text(bib_text, "references.bib").entries
    texts = _entry_texts(bib_text)
    real = tuple(e.key for e in entries)
    rng = random.Random(SEED)
    taken = set(real)
    taken_years = {(e.key, int(m.group(0))) for e in entries if (m := _YEAR.match(e.value("date")))}
    out: list[Clone] = []
    g = 0
    while len(real) + len(out) < n:
        g += 1
        for e in entries:
            if len(real) + len(out) >= n:
                break
            out.append(_clone(e, texts[e.key], g, rng, taken, taken_years))
    clones = {(c.source, c.generation): c.key for c in out}
    return Growth(real, clones, g), out


def _move(pattern: re.Pattern[str], text: str, move: Callable[[str], str], lead: str = "") -> str:
    """`text` with each key `pattern` finds (its group 1) replaced by `move(key)`, after `lead`."""
    return pattern.sub(lambda m: lead + move(m.group(1)), text)


def _cited_again(text: str, growth: Growth) -> str:
    """A topic or platform page with each citing paragraph of each section repeated once per generation, its
    citations moved to that generation's clones (a citation whose clone does not exist keeps the real work)."""
    out: list[str] = []
    section: list[str] = []

    def flush() -> None:
        while section and not section[-1].strip():
            section.pop()
        out.extend(section)
        paragraphs = [p.strip("\n") for p in "\n".join(section).split("\n\n")]
        citing = [p for p in paragraphs if "[@" in p and not p.lstrip().startswith(("#", "!!!"))]
        for g in range(1, growth.generations + 1):
            move = growth.mapper(g)
            for p in citing:
                moved = _move(_CITE, p, move, "@")
                if moved != p:
                    out.extend(["", moved])
        out.append("")
        section.clear()

    for line in text.rstrip("\n").split("\n"):
        if line.startswith("## "):
            flush()
        section.append(line)
    flush()
    return "\n".join(out).rstrip("\n") + "\n"


def _claims_again(text: str, growth: Growth) -> str:
    """The claims ledger with each claim repeated once per generation (id c01g2), evidence and citations moved,
    while the file stays under LEDGER_MAX (some 40 generations: 5,500 works)."""
    head, *items = re.split(r"^(?=- id: )", text, flags=re.M)
    keyed = re.compile(r"(?<![\w:-])(" + "|".join(map(re.escape, growth.real)) + r")(?![\w:-])")
    extra: list[str] = []
    for g in range(1, growth.generations + 1):
        move = growth.mapper(g)
        for item in items:
            moved = _move(keyed, item, move)
            if moved != item:
                extra.append(re.sub(r"^- id: (\S+)", rf"- id: \g<1>g{g}", moved, count=1))
        if len(text) + sum(map(len, extra)) > LEDGER_MAX - len(text):
            break
    body = "".join(items)
    return head + body + ("" if body.endswith("\n") else "\n") + "".join(extra)


def _searches_again(text: str, clones: list[Clone]) -> str:
    """The search log with each clone yielded by the searches that yielded its real work (else untraced-source)."""
    of: dict[str, list[str]] = {}
    for c in clones:
        of.setdefault(c.source, []).append(c.key)
    out: list[str] = []
    in_yielded = False
    looked = -1  # the index in `out` of the current search's looked_at line
    added: dict[int, int] = {}
    for line in text.split("\n"):
        if re.match(r"^\s+looked_at: [1-9]\d*$", line):
            looked = len(out)
        flow = re.match(r"^(\s+yielded: \[)(.*)(\])$", line)
        if flow and flow.group(2).strip():
            real = [k.strip() for k in flow.group(2).split(",")]
            more = [c for k in real for c in of.get(k, [])]
            out.append(flow.group(1) + ", ".join(real + more) + flow.group(3))
            added[looked] = added.get(looked, 0) + len(more)
            continue
        block = re.match(r"^(\s+- )([\w:-]+)$", line)
        in_yielded = (in_yielded and bool(block)) or line.strip() == "yielded:"
        out.append(line)
        if in_yielded and block:
            more = of.get(block.group(2), [])
            out.extend(block.group(1) + c for c in more)
            added[looked] = added.get(looked, 0) + len(more)
    for i, count in added.items():  # a search looked at as many more results as it yields more
        if i >= 0 and count:
            head, number = out[i].rsplit(" ", 1)
            out[i] = f"{head} {int(number) + count}"
    return "\n".join(out)


def grow(dest: Path, n: int) -> Path:
    """Copy the real knowledge base into `dest` and grow it to `n` works (at least the real ones); returns dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src, out = ROOT / name, dest / name
        if src.is_dir():
            shutil.copytree(src, out, dirs_exist_ok=True)
        else:
            shutil.copyfile(src, out)
    if not (dest / "node_modules").exists():
        (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    bib_text = (ROOT / "references.bib").read_text(encoding="utf-8")
    growth, clones = _clones(bib_text, n)
    if not clones:
        return dest
    texts = _entry_texts(bib_text)
    texts.update({c.key: c.text for c in clones})
    (dest / "references.bib").write_text("\n\n".join(texts[k] for k in sorted(texts)) + "\n", encoding="utf-8")
    notes = dest / "docs" / "references"
    for c in clones:
        source = notes / f"{c.source}.md"
        if source.is_file():
            shutil.copyfile(source, notes / f"{c.key}.md")
    for folder in ("topics", "platforms"):
        for page in sorted((dest / "docs" / folder).glob("*.md")):
            page.write_text(_cited_again(page.read_text(encoding="utf-8"), growth), encoding="utf-8")
    searches = dest / "docs" / "searches.yml"
    searches.write_text(_searches_again(searches.read_text(encoding="utf-8"), clones), encoding="utf-8")
    claims = dest / "docs" / "claims.yml"
    claims.write_text(_claims_again(claims.read_text(encoding="utf-8"), growth), encoding="utf-8")
    return dest


# ---- the plain twin ----

_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)
_CLUSTER = re.compile(r"\[(@[^\]]+)\]")
_MARKER = re.compile(r"^REFKB_[A-Z_]+\n?", re.M)
_NAV_PAGE = re.compile(r"^\s*-\s+(?:[^:\n]+:\s+)?([\w/.-]+\.md)\s*$", re.M)


def _plain_text(markdown: str, keep_citations: bool) -> str:
    """A page as plain Markdown: no front matter, citations as plain text (unless kept), refkb's markers gone."""
    body = _FRONT.sub("", markdown)
    if not keep_citations:
        body = _CLUSTER.sub(lambda m: "(" + m.group(1).replace("@", "") + ")", body)
    return _MARKER.sub("", body)


def _plain_config(config: str) -> str:
    """mkdocs.yml without the refkb plugin, its settings (extra.refkb) and strict mode (the twin's pages link to
    anchors that only refkb's generated pages hold)."""
    lines = config.split("\n")
    out: list[str] = []
    skipping = False
    for line in lines:
        if line == "extra:" or line.startswith("extra:"):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or not line.strip()):
            continue
        skipping = False
        if line.strip() == "- refkb" or line.startswith("strict:"):
            continue
        out.append(line)
    return "\n".join(out)


def plain_twin(grown: Path, dest: Path, keep_citations: bool = False) -> Path:
    """The plain MkDocs twin of the grown site `grown` in `dest` (see the module's docstring); returns dest.
    `keep_citations` leaves the `[@key]` citations as they are, for a citation plugin (benchmarks/cold.py)."""
    docs = dest / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    shutil.copytree(grown / "overrides", dest / "overrides", dirs_exist_ok=True)
    config = (grown / "mkdocs.yml").read_text(encoding="utf-8")
    (dest / "mkdocs.yml").write_text(_plain_config(config), encoding="utf-8")
    pages: dict[str, str] = {}
    for path in sorted((grown / "docs").rglob("*.md")):
        pages[path.relative_to(grown / "docs").as_posix()] = _plain_text(
            path.read_text(encoding="utf-8"), keep_citations
        )
    bib = bibfile.parse_text((grown / "references.bib").read_text(encoding="utf-8"), "references.bib")
    titles = {f"references/{keys.slug(e.key)}.md": e.value("title") for e in bib.entries}
    for src in _NAV_PAGE.findall(config):
        titles.setdefault(src, Path(src).stem.replace("-", " ").capitalize())
    titles.setdefault("references/index.md", "Library")
    for src, title in titles.items():
        pages.setdefault(src, f"# {re.sub(r'[{}]', '', title)}\n")
    for src, text in sorted(pages.items()):
        out = docs / src
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return dest


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--plain"):
        print("usage: python benchmarks/grow.py DEST N [--plain PLAIN_DEST]", file=sys.stderr)
        return 2
    dest = grow(Path(argv[0]), int(argv[1]))
    print(f"grown knowledge base: {dest}")
    if len(argv) == 4:
        print(f"plain twin: {plain_twin(dest, Path(argv[3]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
