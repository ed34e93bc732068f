"""refkb.bibmacros: @string macros expanded, their cycles found, and their definitions checked in file order."""

from __future__ import annotations

import pytest

from refkb import bibfile, bibmacros
from refkb.model import ValuePart


@pytest.mark.parametrize(
    ("parts", "macros", "value"),
    [
        ([ValuePart("brace", "plain")], {}, "plain"),
        ([ValuePart("macro", "JS"), ValuePart("brace", " (online)")], {"js": "J. Stud."}, "J. Stud. (online)"),
        ([ValuePart("macro", "nowhere")], {}, "nowhere"),
        ([ValuePart("macro", "big"), ValuePart("macro", "big")], {"big": "x" * 60_000}, ""),
    ],
)
def test_join_expands_macros_up_to_the_limit(parts: list[ValuePart], macros: dict[str, str], value: str) -> None:
    assert bibmacros.join(parts, macros) == value


@pytest.mark.parametrize(
    ("graph", "start", "first", "path"),
    [
        ({"a": {"b"}, "b": {"a"}}, "a", "b", ["a", "b", "a"]),
        ({"a": {"a"}}, "a", "a", ["a", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, "a", "b", []),
    ],
)
def test_cycle_finds_a_definition_through_itself(
    graph: dict[str, set[str]], start: str, first: str, path: list[str]
) -> None:
    assert bibmacros.cycle(graph, start, first) == path


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("@string{a = {x}}\n@string{b = a # {y}}\n", []),
        ("@string{a = b}\n@string{b = a}\n", ["macro-cycle"]),
        ("@string{a = b}\n@string{b = {x}}\n", ["undefined-macro"]),
        ("@string{a = {x}}\n@string{a = {y}}\n", ["duplicate-macro"]),
        ("@article{k, title = nowhere}\n", ["undefined-macro"]),
    ],
)
def test_definitions_and_uses_are_checked(text: str, codes: list[str]) -> None:
    assert [i.code for i in bibfile.parse_text(text, "t.bib").issues] == codes
