"""refkb.intext: a citation's suffix read as a CSL locator."""

from __future__ import annotations

import pytest

from refkb import intext


@pytest.mark.parametrize(
    ("suffix", "label", "value", "rest"),
    [
        ("", "", "", ""),
        (", pp. 3-4", "page", "3-4", ""),
        (", 12", "page", "12", ""),
        (", ch. 2, emphasis added", "chapter", "2", "emphasis added"),
        (", § 4", "section", "4", ""),
        (", emphasis added", "", "", "emphasis added"),
    ],
)
def test_locator(suffix: str, label: str, value: str, rest: str) -> None:
    assert intext.locator(suffix) == intext.Locator(label, value, rest)
