"""`refkb format` on the smallest inputs that once broke it (an audit's fuzzing, then tests/test_fuzz.py): each is
refused with positioned errors, or formatted into canonical text that reads back the same and formats to itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from refkb import bibfile, cli
from test_fuzz import assert_format_property, assert_inside

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Example:
    """An input, and either the errors refkb reports (code, line, column) or the canonical text it writes."""

    why: str
    data: bytes
    errors: tuple[tuple[str, int, int], ...] = ()
    canonical: str = ""


EXAMPLES = [
    Example(
        "a type that starts with 'string' is an entry (BibTeX reads '@stringj' as a type, 'o=.' as its key)",
        b"@stringj{o=.}",
        canonical="@stringj{o=.,\n}\n",
    ),
    Example(
        "no type after '@', and '{\\}' balances for BibTeX but not for bibtexparser, which reads on past the '}'",
        b"@{,1={{\\}}}},",
        errors=(("syntax-error", 1, 1), ("unbalanced-braces", 1, 6)),
    ),
    Example(
        "the same value in an entry with a type",
        b"@misc{k,1={{\\}}}},",
        errors=(("unbalanced-braces", 1, 11),),
    ),
    Example(
        "two BOM-saved files joined: the second BOM, kept as a comment, was read as the file's BOM once sorted first",
        BOM + b"@misc{b,\n  title = {B},\n}\n" + BOM + b"@misc{a,\n  title = {A},\n}\n",
        errors=(("control-character", 4, 1),),
    ),
    Example(
        "two BOMs before a stray '@misc': the second, kept as a comment, was read as the BOM, leaving '@misc' bare",
        BOM + BOM + b"@misc",
        errors=(("control-character", 1, 1),),
    ),
    Example(
        "a block bibtexparser aborted overlaps the next ('@{@' then '@{'): every position inside the 4 characters",
        b"@{@{",
        errors=(("syntax-error", 1, 1), ("syntax-error", 1, 3), ("unclosed-entry", 1, 3), ("unclosed-entry", 1, 4)),
    ),
    Example(
        "an @string holds one definition for BibTeX",
        b"@string{o={x},t={y}}",
        errors=(("syntax-error", 1, 15),),
    ),
    Example(
        "braces that balance only with '\\{' counted, in an entry delimited by parentheses",
        b'@article(k1,title={\\{\\"o}})',
        errors=(("unbalanced-braces", 1, 19),),
    ),
    Example(
        "'@preamblex' and '@commentary' are entries for BibTeX, not a @preamble and a @comment",
        b"@preamblex{k, title = {x}}\n@commentary{j, title = {y}}\n",
        canonical="@commentary{j,\n  title = {y},\n}\n\n@preamblex{k,\n  title = {x},\n}\n",
    ),
    Example(
        "a BOM anywhere between blocks (dropping it here would make '@report{' an entry)",
        "@\ufeffreport{a, title = {T}}\n".encode(),
        errors=(("control-character", 1, 2),),
    ),
]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.why[:60] for e in EXAMPLES])
def test_format_refuses_or_writes_canonical_text(
    tmp_path: Path, example: Example, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "refs.bib"
    path.write_bytes(example.data)
    code = cli.main(["format", str(path)])
    err = capsys.readouterr().err
    if example.errors:
        assert code == cli.EXIT_PROBLEMS
        assert path.read_bytes() == example.data, "a refused file is left as it was"
        found = tuple((i.code, i.line, i.col) for i in bibfile.read(path).issues)
        assert found == example.errors, err
        for code_, line, col in example.errors:
            assert f"refs.bib:{line}:{col}: error {code_}" in err
    else:
        assert code == cli.EXIT_OK, err
        assert path.read_text(encoding="utf-8") == example.canonical
        assert cli.main(["format", "--check", str(path)]) == cli.EXIT_OK
    assert_inside(bibfile.read(path).text, list(bibfile.read(path).issues))
    assert_format_property(example.data)
