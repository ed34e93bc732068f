"""The one way refkb reads YAML (claims, glossary, timeline, annotation and page front matter, mkdocs.yml).

YAML is untrusted input like the bibliography: an alias chain ("billion laughs") makes a few hundred bytes stand
for gigabytes once anything walks the data, 20,000 nested `[` exhaust the recursion limit, and a file that is not
UTF-8 raises in the middle of reading. So here:
- the text is decoded with a file:line:col error at the first bad byte;
- aliases are refused (data files and front matter never need them), or, for mkdocs.yml, counted and bounded;
- nesting is limited to `MAX_DEPTH`, and the input to `MAX_BYTES`;
- every failure is a `YamlError` with a 1-based line and column in the *file* (front matter starts below `---`).

libyaml (CSafeLoader) is used when the text cannot hold an alias or deep nesting (no `&`/`*` and fewer structural
characters than the depth limit); otherwise the pure-Python loader, whose composer we can watch.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import RefkbError

MAX_DEPTH = 64
MAX_BYTES = 4 * 1024 * 1024
MAX_ALIASES = 200  # where aliases are allowed at all (mkdocs.yml)
_C_LOADER: Any = getattr(yaml, "CSafeLoader", None)
_STRUCTURE = re.compile(r"[\[{:?-]")


class YamlError(RefkbError):
    """YAML that refkb will not read: `line` and `col` are 1-based positions in the file; `path` is the file when
    it was read by `read` ("" for text, whose reader names the file). `message` is what and how to fix it, for a
    caller that writes the place itself."""

    def __init__(self, message: str, line: int = 1, col: int = 1, *, path: str = "", hint: str = "") -> None:
        super().__init__(message, path=path, line=line, col=col, hint=hint)
        self.message = self.summary()


@dataclass(frozen=True)
class Options:
    keep_lines: bool = False  # add "__line__" (1-based line in the file) to every mapping
    dates_as_text: bool = False  # timestamps stay the text that was written
    any_tag: bool = False  # unknown tags (MkDocs' !ENV, !!python/name:) read as plain values
    aliases: int = 0  # how many aliases may appear (0: refused)
    line_offset: int = 0  # lines above the YAML text in its file (front matter: 1)


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is fine) with CR and CRLF as LF; raises YamlError at the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start]
        line = good.count(b"\n") + 1
        col = len(good[good.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise YamlError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8", line, col, hint="save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _no_repeated_key(node: yaml.MappingNode, line_offset: int) -> None:
    """YAML lets a later key silently replace an earlier one; refkb's files never mean that."""
    seen: set[str] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            if key.value in seen:
                raise YamlError(
                    f"the key {key.value[:40]!r} is given twice in one mapping",
                    key.start_mark.line + 1 + line_offset,
                    key.start_mark.column + 1,
                    hint="keep one",
                )
            seen.add(key.value)


def _make_loader(opts: Options) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        _depth = 0
        _aliases = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                Loader._aliases += 1
                if Loader._aliases > opts.aliases:
                    what = f"more than {opts.aliases} aliases" if opts.aliases else "aliases (*name) are not allowed"
                    raise YamlError(
                        what,
                        event.start_mark.line + 1 + opts.line_offset,
                        event.start_mark.column + 1,
                        hint="write the value out in full",
                    )
            Loader._depth += 1
            try:
                if Loader._depth > MAX_DEPTH:
                    event = self.peek_event()  # type: ignore[no-untyped-call]
                    raise YamlError(
                        f"nesting deeper than {MAX_DEPTH} levels",
                        event.start_mark.line + 1 + opts.line_offset,
                        event.start_mark.column + 1,
                    )
                return super().compose_node(parent, index)
            finally:
                Loader._depth -= 1

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            _no_repeated_key(node, opts.line_offset)
            mapping = super().construct_mapping(node, deep=deep)
            if opts.keep_lines:
                mapping["__line__"] = node.start_mark.line + 1 + opts.line_offset
            return mapping

    _configure(Loader, opts)
    return Loader


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node)) if isinstance(node, yaml.ScalarNode) else ""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


def _configure(loader: Any, opts: Options) -> None:
    if opts.dates_as_text:
        loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
    if opts.any_tag:
        loader.add_multi_constructor("", _any_tag)


_FAST: dict[Options, Any] = {}


def _fast_loader(opts: Options) -> Any:
    """libyaml, for text that holds neither an alias nor deep nesting."""
    if opts not in _FAST:

        class Fast(_C_LOADER):  # type: ignore[misc]
            def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
                _no_repeated_key(node, opts.line_offset)
                mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
                if opts.keep_lines:
                    mapping["__line__"] = node.start_mark.line + 1 + opts.line_offset
                return mapping

        _configure(Fast, opts)
        _FAST[opts] = Fast
    return _FAST[opts]


def load(text: str, opts: Options = Options()) -> Any:
    """The YAML document in `text`; raises YamlError (never anything else) when it cannot be read safely."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"the YAML is larger than {MAX_BYTES // (1024 * 1024)} MB", 1 + opts.line_offset, 1)
    fast = (
        _C_LOADER is not None
        and "&" not in text
        and "*" not in text
        and len(_STRUCTURE.findall(text, 0, MAX_DEPTH * 64)) < MAX_DEPTH
        and len(text) < MAX_DEPTH * 64
    )
    loader = _fast_loader(opts) if fast else _make_loader(opts)
    try:
        return yaml.load(text, Loader=loader)
    except YamlError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 1 + opts.line_offset, mark.column + 1) if mark else (1 + opts.line_offset, 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"not valid YAML: {problem}", line, col) from None
    except RecursionError:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", 1 + opts.line_offset, 1) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a timestamp like 2026-13-45, an unhashable key
        raise YamlError(f"a value YAML cannot read: {exc}", 1 + opts.line_offset, 1) from None


def load_bytes(data: bytes, opts: Options = Options()) -> Any:
    """The YAML document in the file's bytes (decoded as `decode` does); raises YamlError without a path."""
    if len(data) > MAX_BYTES:
        raise YamlError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", 1, 1)
    return load(decode(data), opts)


def read(path: str | os.PathLike[str], opts: Options = Options(), shown: str = "") -> Any:
    """The YAML document in the file at `path`; every failure, a file that cannot be read included, is a YamlError
    naming the file as `shown` (default: `path` as given)."""
    name = shown or str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise YamlError(
            f"cannot read the file ({exc.strerror})", 0, 0, path=name, hint="check that it exists and can be read"
        ) from exc
    try:
        return load_bytes(data, opts)
    except YamlError as exc:
        raise YamlError(exc.what, exc.line, exc.col, path=name, hint=exc.hint) from None
