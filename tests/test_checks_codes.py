"""The code registry (refkb.checks.codes): what refkb check-links reports is registered, at the registered level."""

from __future__ import annotations

import pytest

from refkb import links
from refkb.checks.codes import CODES
from refkb.model import Issue, Level

LINK_CASES = [
    ("broken-link", links.SiteProblem("a/index.html", "../../x/", "broken-link", "points outside the site").as_issue()),
    ("broken-anchor", links.SiteProblem("index.html", "a/#no", "broken-anchor", "no such anchor").as_issue()),
    (
        "moved-link",
        links.UrlResult("k", "url", "https://a.example/", 3, 9, "redirect", 301, "https://b.example/").as_issue(
            "r.bib"
        ),
    ),
    ("dead-link", links.UrlResult("k", "url", "https://a.example/", 3, 9, "dead", 404).as_issue("r.bib")),
    ("unreachable-link", links.UrlResult("k", "url", "https://a.example/", 3, 9, "error", 500).as_issue("r.bib")),
]
LINK_CODES = {c[0] for c in LINK_CASES}


@pytest.mark.parametrize(("code", "found"), LINK_CASES)
def test_link_codes_are_registered_at_their_level(code: str, found: Issue) -> None:
    assert found.code == code
    assert found.level is CODES[code][0]


@pytest.mark.parametrize(("code", "level"), [("moved-link", Level.WARNING), ("dead-link", Level.ERROR)])
def test_a_moved_link_warns_and_a_dead_one_fails(code: str, level: Level) -> None:
    assert CODES[code][0] is level
