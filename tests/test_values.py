"""refkb.values: the value rules checks, conversion, pages, intake and links share."""

from __future__ import annotations

import pytest

from refkb import values


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("https://www.Example.org/Page/", "example.org/page"),
        ("http://example.org/page", "example.org/page"),
        ("  https://example.org//  ", "example.org"),
        ("https://wwwexample.org/", "wwwexample.org"),
        ("ftp://example.org/", "ftp://example.org"),
    ],
)
def test_normal_url(url: str, normal: str) -> None:
    assert values.normal_url(url) == normal


@pytest.mark.parametrize(
    ("doi", "normal"),
    [
        ("10.1234/ABC", "10.1234/abc"),
        ("https://doi.org/10.1234/abc", "10.1234/abc"),
        ("http://dx.doi.org/10.1234/abc", "10.1234/abc"),
        ("doi: 10.1234/abc ", "10.1234/abc"),
    ],
)
def test_normal_doi(doi: str, normal: str) -> None:
    assert values.normal_doi(doi) == normal


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://example.org/a\\_b", ""),
        ("example.org", "is not an absolute URL"),
        ("javascript:alert(1)", "uses the scheme 'javascript:' (only http and https become links)"),
        ("https://user@evil.example/", "holds user information"),
        ("https://example.org/a b", "contains white space"),
    ],
)
def test_url_problem(url: str, problem: str) -> None:
    found = values.url_problem(url)
    assert found.startswith(problem) if problem else found == ""


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Smith, Jane", ""),
        ("{United Nations}", ""),
        (", Jane", "has no family name"),
        ("Smith, Jane, Jr, X", "is malformed"),
    ],
)
def test_name_problem(name: str, problem: str) -> None:
    found = values.name_problem(name)
    assert found.startswith(problem) if problem else found == ""


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("Smith, Jane and Doe, John", ["Smith, Jane", "Doe, John"]),
        ("{{Office on Drugs and Crime}}", ["{{Office on Drugs and Crime}}"]),
        ("", []),
    ],
)
def test_split_names(value: str, names: list[str]) -> None:
    assert values.split_names(value) == names
