"""refkb.bibscan: the scanner finds what BibTeX rejects in one block, at the offset where it starts."""

from __future__ import annotations

import pytest

from refkb import bibscan


@pytest.mark.parametrize(
    ("raw", "has_key", "problems"),
    [
        ("@article{k, title = {T}, year = 2020}", True, []),
        ("@article{k, title = {T} year = 2020}", True, [(23, "missing-comma")]),
        ("@article{k,\n % note\n title = {T}}", True, [(13, "percent-in-entry")]),
        ("@article{k, title = {T}", True, [(22, "unclosed-entry")]),
        ("@article{k, title = {T,\n  year = {2020},\n}", True, [(20, "unclosed-brace")]),
        ("@article{k, title = {T},, year = 2020}", True, [(24, "syntax-error")]),
        ("@article{a key, title = {T}}", True, [(9, "invalid-key")]),
        ("@article{title = {T}}", True, [(9, "missing-key")]),
        ("@article{k, title = 2020a}", True, [(20, "syntax-error")]),
        ('@article{k, title = "T\\"}', True, [(20, "syntax-error")]),
        ("@string{j = {J. Stud.}}", False, []),
    ],
)
def test_problems_are_found_at_their_offsets(raw: str, has_key: bool, problems: list[tuple[int, str]]) -> None:
    scan = bibscan.Scanner(raw, has_key).scan()
    assert [(p.at, p.code) for p in scan.problems] == problems


@pytest.mark.parametrize(
    ("raw", "fields"),
    [
        ("@article{k, title = {A {B}}, year = 2020}", [("title", "brace", "A {B}"), ("year", "number", "2020")]),
        ('@article{k, Journal = "J" # jn}', [("journal", "quote", "J"), ("journal", "macro", "jn")]),
        ("@article{k,\n  note = mac,\n}", [("note", "macro", "mac")]),
    ],
)
def test_fields_hold_their_names_parts_and_value_offsets(raw: str, fields: list[tuple[str, str, str]]) -> None:
    scan = bibscan.Scanner(raw, has_key=True).scan()
    assert scan.key == "k"
    assert [(f.name, p.kind, p.text) for f in scan.fields for p in f.parts] == fields
    for f in scan.fields:
        assert raw[f.name_at :].lower().startswith(f.name)
        assert raw[f.value_at] in '{"' or raw[f.value_at].isalnum()
