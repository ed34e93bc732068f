"""refkb.safeyaml: places counted as editors count them, values that cannot be made at their own place, MkDocs'
!ENV, and `locate` (where a setting stands), all through the one bounded loader."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT
from refkb import frontmatter, safeyaml
from refkb.model import Position

LONG = "".join(
    f"k{i}: 1\n" for i in range(2000)
)  # past the size under which libyaml (CSafeLoader) reports a fault: the pure-Python loader reports it

# (text, line, col, what the message says): both loaders, with and without YAML-only line breaks before the fault.
PLACE_CASES = [
    ("a: 1\nd: 2026-02-30\n", 2, 4, "'2026-02-30': YAML cannot read it as a date"),
    ("a: \u2028\nd: 2026-02-30\n", 2, 4, "as a date"),  # U+2028 is a line break to YAML, not to an editor
    ("a: \x85\u2029\nb: [1\n", 3, 1, "not valid YAML"),  # NEL and U+2029 likewise
    ("a: 1\nb: x\x01y\n", 2, 5, "U+0001 is not allowed"),  # libyaml counts this offset in UTF-8 bytes
    ("a: \u00e9\u00e9\u2028\n\u00e9b: x\x01y\n", 2, 6, "U+0001 is not allowed"),
    (LONG + "b: \u2028\x01\n", 2001, 5, "U+0001 is not allowed"),  # PyYAML counts it in characters
    ("a: \u2028\nb: 1\nb: 2\n", 3, 1, "given twice"),
    (LONG + "x: \u2028\nb: 1\nb: 2\n", 2003, 1, "given twice"),
    ("a: \u2028\nb: *x\n", 2, 4, "aliases"),
    (LONG + "a: \u2028\nb: &x 1\nc: *x\n", 2003, 4, "aliases"),
    (LONG + "x: \u2028\nd: 2026-13-45\n", 2002, 4, "as a date"),
    # libyaml reads these; PyYAML, which reads a long text with something to report, refuses them: libyaml's read
    # is kept only when neither has anything to say, so a long text is refused as before
    (LONG + "a: {b: c?d}\n", 2001, 9, "expected ',' or '}', but got '?'"),
    (LONG + "a: [x, y?z]\n", 2001, 9, "expected ',' or ']', but got '?'"),
    (LONG + "a: b\tc\n", 2001, 5, "found character '\\t' that cannot start any token"),
    (LONG + "a: &x [1]\nb: *x\n", 2002, 4, "aliases"),
    ("a: " + "[" * 64 + "]" * 64 + "\n", 1, 67, "nesting deeper than 64 levels"),  # the root mapping is level 1
    ("x: &a [1]\ny: [*a, *a]\n", 2, 5, "aliases"),
    ("a: !!bool x\n", 1, 4, "'x': YAML cannot read it as a value (not a bool)"),  # was a KeyError
    ("b: 1\na: !!timestamp yes\n", 2, 4, "'yes': YAML cannot read it as a date (not a timestamp)"),  # AttributeError
]


@pytest.mark.parametrize(("text", "line", "col", "what"), PLACE_CASES)
def test_a_fault_is_reported_where_an_editor_shows_it(text: str, line: int, col: int, what: str) -> None:
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load(text)
    assert (err.value.line, err.value.col) == (line, col), err.value.message
    assert what in err.value.message


def test_libyaml_reads_as_pyyaml_reads() -> None:
    """The knowledge base's own YAML (front matter, data files, 64 levels deep) reads as PyYAML's reader reads it."""
    texts: list[str] = []
    for p in sorted((ROOT / "docs").rglob("*.md")):
        m = frontmatter.FRONT.match(p.read_text(encoding="utf-8"))
        texts += [m.group(1)] if m else []
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.yml"))]
    texts += ["a: " + "[" * 63 + "]" * 63 + "\n", LONG]
    texts += ["".join(f"c{i}: {{a: [1, 2], b: x}}\n" for i in range(1000))]  # composed by PyYAML from libyaml's events
    for text in texts:
        assert safeyaml._quick(text, safeyaml.Options()) is not safeyaml._REPORT  # libyaml alone: nothing to report
        assert safeyaml.load(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_front_matter_places_count_the_line_above() -> None:
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load("verified_at: x\nverified_on: 2026-02-30", safeyaml.Options(line_offset=1))
    assert (err.value.line, err.value.col) == (3, 14)
    assert "date that exists" in err.value.hint


def test_kept_lines_count_only_newlines() -> None:
    assert safeyaml.load("a: \u2028\nb: {c: 1}\n", safeyaml.Options(keep_lines=True))["b"]["__line__"] == 2


ENV = {"REFKB_T_SET": "knowledge-base", "REFKB_T_NUM": "7", "REFKB_T_EMPTY": ""}
# (value in mkdocs.yml, what MkDocs reads it as with ENV set)
ENV_CASES = [
    ("!ENV REFKB_T_SET", "knowledge-base"),
    ("!ENV REFKB_T_UNSET", None),  # no default: null
    ("!ENV [REFKB_T_UNSET, REFKB_T_SET, bibtex]", "knowledge-base"),  # the first variable set
    ("!ENV [REFKB_T_UNSET, bibtex]", "bibtex"),  # none set: the last item
    ("!ENV [REFKB_T_UNSET, [a, b]]", ["a", "b"]),  # the default as YAML wrote it
    ("!ENV [REFKB_T_NUM, x]", 7),  # the variable's value read as a plain YAML scalar
    ("!ENV [REFKB_T_EMPTY, x]", None),  # set but empty: an empty scalar
    ("!ENV [REFKB_T_UNSET]", None),
]


@pytest.mark.parametrize(("value", "expected"), ENV_CASES)
def test_env_tag_reads_as_mkdocs_reads_it(monkeypatch: pytest.MonkeyPatch, value: str, expected: object) -> None:
    for name, text in ENV.items():
        monkeypatch.setenv(name, text)
    monkeypatch.delenv("REFKB_T_UNSET", raising=False)
    opts = safeyaml.Options(any_tag=True, env_tag=True)
    assert safeyaml.load(f"x: {value}\n", opts) == {"x": expected}
    assert safeyaml.load(LONG + f"x: {value}\n", opts)["x"] == expected  # the pure-Python loader too


def test_env_tag_is_off_unless_asked() -> None:
    assert safeyaml.load("x: !ENV [HOME, d]\n", safeyaml.Options(any_tag=True)) == {"x": ["HOME", "d"]}


def test_env_tag_of_a_mapping_is_refused_at_its_place() -> None:
    with pytest.raises(safeyaml.YamlError) as err:
        safeyaml.load("a: 1\nx: !ENV {a: 1}\n", safeyaml.Options(env_tag=True))
    assert (err.value.line, err.value.col) == (2, 4)


CONFIG = """site_name: x
plugins:
  - search
  - refkb:
      bibliography: [a.bib, 7]
extra:
  refkb:
    topics:
      - {slug: t, title: T}
    note: "a\u2028b"
    other: x
"""
LOCATE_CASES = [
    (("plugins", "refkb", "bibliography", 1), Position(5, 29)),
    (("plugins", "search"), Position(3, 5)),
    (("extra", "refkb", "topics", 0, "slug"), Position(9, 16)),
    (("extra", "refkb", "other"), Position(11, 12)),  # after a U+2028: YAML's line 12, the editor's 11
    (("extra", "refkb", "topics", 5), None),
    (("nowhere",), None),
]


@pytest.mark.parametrize(("steps", "where"), LOCATE_CASES)
def test_locate_finds_a_setting(steps: tuple[str | int, ...], where: Position | None) -> None:
    assert safeyaml.locate(CONFIG, steps) == where


@pytest.mark.parametrize(
    "text",
    [
        "a: [1\n",  # not YAML
        "a: " + "[" * 100 + "]" * 100,  # nested beyond the bound
        "x: &x 1\na: [" + "*x, " * (safeyaml.MAX_ALIASES + 1) + "]\n",  # more aliases than the bound
        "a: \x01",  # a character YAML refuses
    ],
)
def test_locate_never_raises(text: str) -> None:
    assert safeyaml.locate(text, ("a",)) is None


# (text, whether libyaml's read alone is kept): the builder keeps a value only where the positioned reader has nothing
# to say, and then makes what it makes (keys and values in order, lines kept, tags the constructor's).
QUICK_CASES = [
    ("a: 1\nb: [x, {c: d}]\nc: {e: [1, 2.5, null, true, 2026-01-02]}\n", True),
    ("a: {b: 1, b: 2}\n", False),  # a key given twice, nested
    ("a: 1\na: 2\n", False),
    ("a: {? [x]\n: 1}\n", False),  # a key that is no scalar: the constructor's (a list is no key: refused)
    ("? [x]\n: 1\n", False),
    ("a: {<<: {b: 1}, c: 2}\n", True),  # a merge key: SafeConstructor's own mapping
    ("a: [x?y]\n", False),  # '?' in a plain scalar inside a flow collection
    ("a: 'x?y'\nb: [\"x?y\"]\n", True),
    ("a: &x 1\nb: *x\n", False),  # an alias
    ("a: !!str 1\nb: !!int '2'\nc: !!set {x, y}\n", True),
    ("a: " + "[" * 63 + "]" * 63 + "\n", True),
    ("a: " + "[" * 64 + "]" * 64 + "\n", False),
    ("- {a: 1}\n- [b, {c: [d]}]\n", True),
    ("1: a\n01: b\n", True),  # two texts, one value: the last one wins, as the constructor makes it
]


@pytest.mark.parametrize(("text", "alone"), QUICK_CASES)
@pytest.mark.parametrize("keep_lines", [False, True])
def test_quick_read_is_the_positioned_readers(text: str, alone: bool, keep_lines: bool) -> None:
    opts = safeyaml.Options(keep_lines=keep_lines)
    quick = safeyaml._quick(text, opts)
    assert (quick is not safeyaml._REPORT) == alone
    if alone:
        loader = safeyaml._make_loader(opts)(text)
        try:
            made = loader.get_single_data()
        except safeyaml.YamlError:
            made = safeyaml._REPORT
        finally:
            loader.dispose()
        assert made is safeyaml._REPORT or quick == made
