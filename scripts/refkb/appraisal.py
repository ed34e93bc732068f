"""Critical appraisal of each source: the `appraisal` block of its annotation's front matter.

Two instruments, chosen by the source's evidence design (coding.yml's `primary` designs are empirical):
- `aacods` for grey literature, journalism, law, policy and reviews: the AACODS checklist's items — authority,
  accuracy, coverage, objectivity, date, significance;
- `empirical` for studies that collect or analyse data: peer reviewed, method stated, sample or data described,
  independent of the organisation whose work is evaluated, funding and conflicts stated.
Each item is answered "yes", "no" or "unclear" with a one-line reason taken from the stored page. The confidence
(high / moderate / low) is derived by `confidence`, the rule the methodology page states; it is never entered.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from markupsafe import Markup

INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "aacods": ("authority", "accuracy", "coverage", "objectivity", "date", "significance"),
    "empirical": ("peer_reviewed", "method_stated", "sample_described", "independent", "funding_stated"),
}
LABELS: dict[str, str] = {
    "authority": "Authority",
    "accuracy": "Accuracy",
    "coverage": "Coverage",
    "objectivity": "Objectivity",
    "date": "Date",
    "significance": "Significance",
    "peer_reviewed": "Peer reviewed",
    "method_stated": "Method stated",
    "sample_described": "Sample or data described",
    "independent": "Independent of what it evaluates",
    "funding_stated": "Funding and conflicts stated",
}
INSTRUMENT_LABELS = {"aacods": "AACODS checklist (grey literature)", "empirical": "Empirical study items"}
ANSWERS = ("yes", "no", "unclear")
CONFIDENCE = ("high", "moderate", "low")
MAX_REASON = 300
# The items without which an empirical study or a grey source cannot carry weight (see `confidence`).
_CORE = {
    "empirical": ("peer_reviewed", "method_stated", "sample_described", "independent"),
    "aacods": ("authority", "accuracy", "coverage", "objectivity"),
}
_FATAL = {"empirical": ("method_stated", "sample_described"), "aacods": ("authority", "accuracy")}


@dataclass(frozen=True)
class Item:
    name: str
    answer: str  # "yes", "no" or "unclear"
    reason: str


@dataclass(frozen=True)
class Appraisal:
    instrument: str
    items: tuple[Item, ...]

    @functools.cached_property
    def confidence(self) -> str:
        """Worked out once (`confidence`): the pages, the map and the exports ask for it many times a build."""
        return confidence(self)

    def answer(self, name: str) -> str:
        return next((i.answer for i in self.items if i.name == name), "unclear")


@dataclass(frozen=True)
class Problem:
    """What is wrong with an appraisal block: `item` names where (empty: the block itself)."""

    code: str
    item: str
    message: str
    fix: str


def confidence(a: Appraisal) -> str:
    """The rule on the methodology page. High: every core item "yes". Low: a fatal item "no" (no method or no sample
    for a study; no identifiable authority or no checkable sources for grey literature), or two or more items "no".
    Moderate: everything else (including core items left "unclear")."""
    noes = sum(1 for i in a.items if i.answer == "no")
    if noes >= 2 or any(a.answer(n) == "no" for n in _FATAL.get(a.instrument, ())):
        return "low"
    if all(a.answer(n) == "yes" for n in _CORE.get(a.instrument, ())):
        return "high"
    return "moderate"


@dataclass(frozen=True)
class ReadFrom:
    """An appraisal as read from a front matter, with that front matter (held, so that it is the same object while
    `mkdocs serve` keeps the annotation unchanged)."""

    meta: Mapping[str, object]
    appraisal: Appraisal | None


def of_notes(
    metas: Mapping[str, Mapping[str, object]], memo: dict[str, ReadFrom] | None = None
) -> dict[str, Appraisal]:
    """Key -> the readable appraisal in each annotation's front matter (those without one, or with a broken one,
    are left out: `refkb validate` reports them). With a memo (`mkdocs serve`), a front matter that is the very
    object of the last call is not read again."""
    out = {}
    kept: dict[str, ReadFrom] = {}
    for key, meta in metas.items():
        old = memo.get(key) if memo is not None else None
        if old is None or old.meta is not meta:
            old = ReadFrom(meta, read(meta.get("appraisal"), None)[0])
        kept[key] = old
        if old.appraisal is not None:
            out[key] = old.appraisal
    if memo is not None:
        memo.clear()
        memo.update(kept)
    return out


def instrument_for(designs: Iterable[str], primary: Iterable[str]) -> str:
    return "empirical" if set(designs) & set(primary) else "aacods"


def _answer(value: object) -> str:
    # YAML 1.1 reads an unquoted yes/no as a boolean: take it as the word that was written.
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value).strip().lower() if isinstance(value, str) else ""


def read(value: object, expected: str | None) -> tuple[Appraisal | None, list[Problem]]:
    """The appraisal in a front matter's `appraisal` value, and every problem with it. `expected` is the instrument
    the source's design calls for (None: not known, any instrument is accepted)."""
    refused = _unreadable(value, expected)
    if refused is not None or not isinstance(value, Mapping):
        return None, [refused] if refused is not None else []
    instrument = str(value.get("instrument"))
    problems: list[Problem] = []
    if expected and instrument != expected:
        problems.append(
            Problem(
                "appraisal-instrument",
                "instrument",
                f"the source's design calls for the {expected} instrument, not {instrument}",
                f"appraise it with instrument: {expected}",
            )
        )
    names = INSTRUMENTS[instrument]
    for extra in sorted(str(k) for k in value if k not in names and k not in ("instrument", "__line__")):
        problems.append(
            Problem(
                "appraisal-invalid", extra, f"'{extra}' is not an item of {instrument}", f"items: {', '.join(names)}"
            )
        )
    items: list[Item] = []
    for name in names:
        found = _item(name, value.get(name))
        if isinstance(found, Problem):
            problems.append(found)
        else:
            items.append(found)
    if len(items) != len(names):
        return None, problems
    return Appraisal(instrument, tuple(items)), problems


def _unreadable(value: object, expected: str | None) -> Problem | None:
    """Why the value cannot be read as an appraisal at all (missing, not a mapping, no known instrument)."""
    if value is None:
        fix = f"add an appraisal block (instrument: {expected or 'aacods or empirical'}; see the methodology page)"
        return Problem("missing-appraisal", "", "the source has no appraisal", fix)
    if not isinstance(value, Mapping):
        return Problem(
            "appraisal-invalid",
            "",
            "appraisal must be a mapping",
            "write appraisal: {instrument: …, <item>: {answer: …, reason: …}}",
        )
    if value.get("instrument") not in INSTRUMENTS:
        return Problem(
            "appraisal-invalid",
            "instrument",
            f"instrument must be one of {', '.join(INSTRUMENTS)}",
            f"write instrument: {expected or 'aacods'}",
        )
    return None


def _item(name: str, raw: object) -> Item | Problem:
    """One item of the instrument: its answer and its one-line reason, or what is wrong with it."""
    if raw is None:
        return Problem(
            "appraisal-item-missing",
            "",
            f"item '{name}' is missing",
            f'add {name}: {{answer: "unclear", reason: "…what the stored page shows…"}}',
        )
    ans = _answer(raw.get("answer")) if isinstance(raw, Mapping) else ""
    reason = raw.get("reason") if isinstance(raw, Mapping) else None
    if ans not in ANSWERS:
        return Problem(
            "appraisal-answer",
            name,
            f"{name}: answer must be yes, no or unclear",
            'write answer: "unclear" where the page does not say',
        )
    if not isinstance(reason, str) or not reason.strip():
        return Problem("appraisal-reason", name, f"{name}: the reason is empty", "give one line from the stored page")
    if len(reason) > MAX_REASON or "\n" in reason.strip():
        return Problem(
            "appraisal-reason",
            name,
            f"{name}: the reason must be one line of at most {MAX_REASON} characters",
            "shorten it",
        )
    return Item(name, ans, reason.strip())


_ITEM_LINE = re.compile(r"^([ \t]+)([A-Za-z_]+)[ \t]*:", re.M)


def item_lines(front_matter: str, block_line: int) -> dict[str, int]:
    """Line (1-based, in the file) of each item under the `appraisal:` key that starts at `block_line`; the front
    matter text begins at line 2 of the file."""
    lines = front_matter.split("\n")
    out: dict[str, int] = {}
    for n in range(block_line - 1, len(lines)):  # lines[k] is file line k + 2
        line = lines[n]
        if n > block_line - 2 and line and not line[0].isspace():
            break
        m = _ITEM_LINE.match(line)
        if m:
            out.setdefault(m.group(2), n + 2)
    return out


def html(a: Appraisal | None, method_href: str) -> Markup:
    """The appraisal as a reference page shows it: confidence first, then each item with its reason."""
    if a is None:
        return Markup("")
    rows = Markup("").join(
        Markup('<tr><th scope="row">{}</th><td class="refkb-appraisal-{}">{}</td><td>{}</td></tr>').format(
            LABELS[i.name], i.answer, i.answer, i.reason
        )
        for i in a.items
    )
    return Markup(
        '<div class="refkb-appraisal"><p>Confidence: <strong class="refkb-confidence-{0}">{0}</strong> '
        '({1}; <a href="{2}">how it is derived</a>).</p>'
        '<table><thead><tr><th scope="col">Item</th><th scope="col">Answer</th><th scope="col">Reason (from the '
        "stored page)</th></tr></thead><tbody>{3}</tbody></table></div>"
    ).format(a.confidence, INSTRUMENT_LABELS[a.instrument], method_href, rows)


def as_row(key: str, a: Appraisal | None) -> dict[str, str]:
    """One flat record for the downloads (CSV/JSON/data package): every item of both instruments as a column."""
    row = {"key": key, "instrument": a.instrument if a else "", "confidence": a.confidence if a else ""}
    for names in INSTRUMENTS.values():
        for n in names:
            item = next((i for i in a.items if i.name == n), None) if a else None
            row[n] = item.answer if item else ""
            row[f"{n}_reason"] = item.reason if item else ""
    return row
