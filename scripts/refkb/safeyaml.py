"""The one way refkb reads YAML (claims, glossary, timeline, annotation and page front matter, mkdocs.yml).

YAML is untrusted input like the bibliography: an alias chain ("billion laughs") makes a few hundred bytes stand
for gigabytes once anything walks the data, 20,000 nested `[` exhaust the recursion limit, and a file that is not
UTF-8 raises in the middle of reading. So here:
- the text is decoded with a file:line:col error at the first bad byte;
- aliases are refused (data files and front matter never need them), or, for mkdocs.yml, counted and bounded;
- nesting is limited to `MAX_DEPTH`, and the input to `MAX_BYTES`;
- every failure is a `YamlError` with a 1-based line and column in the *file* (front matter starts below `---`),
  counted as editors count them: YAML also breaks lines at U+0085, U+2028 and U+2029, so a place is computed from
  its character offset, with \n as the only line break;
- a value that cannot be made (a date like 2026-02-30) is reported at its own place;
- `!ENV VAR` and `!ENV [VAR, ..., default]` (mkdocs.yml) read as MkDocs reads them, when `Options.env_tag` is set.

Every text is first read by libyaml (`_quick`): its composer (or, for a text with 2,000 structural characters,
PyYAML's watched composer on libyaml's events), then a walk of the nodes that refuses a node reached twice (an
alias) or deeper than `MAX_DEPTH`, then the constructor. Anything that read finds to say (a fault, an
alias, too deep, a repeated key, a value that cannot be made) sends the text to the positioned reader, which says
it: libyaml when the text cannot hold an alias or deep nesting (no `&`/`*` and fewer structural characters than the
depth limit), otherwise the pure-Python loader, whose composer we can watch. So a text is read by libyaml alone
only when neither reader has anything to report, and every report is the positioned reader's, word for word.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import RefkbError
from .model import LineIndex, Position


def version() -> str:
    """The YAML library's version and whether its C reader (libyaml) is in use: what a cache of findings read
    through it depends on."""
    return f"PyYAML {yaml.__version__}, libyaml {yaml.__with_libyaml__}"


MAX_DEPTH = 64
MAX_BYTES = 4 * 1024 * 1024
MAX_ALIASES = 200  # where aliases are allowed at all (mkdocs.yml)
_C_LOADER: Any = getattr(yaml, "CSafeLoader", None)
_C_PARSER: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)
_STRUCTURE = re.compile(r"[\[{:?-]")
_YAML_BREAKS = re.compile("[\x85\u2028\u2029]")  # line breaks to YAML, not to an editor


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
    env_tag: bool = False  # MkDocs' !ENV: the first environment variable set, else the default (mkdocs.yml)


@dataclass(frozen=True)
class Places:
    """Where a YAML mark is in the file: 1-based line and column, counting only \\n as a line break (PyYAML's own
    line and column also break at U+0085, U+2028 and U+2029, which editors and bibtexparser do not)."""

    text: str
    line_offset: int = 0
    plain: bool = field(init=False, repr=False, compare=False)  # no YAML-only line break: YAML counts as editors

    def __post_init__(self) -> None:
        text = self.text  # once, not at every mark (an ASCII text, known without reading it, holds none)
        object.__setattr__(self, "plain", text.isascii() or not _YAML_BREAKS.search(text))

    def at(self, mark: Any) -> Position:
        if self.plain:  # the usual case: YAML's count is the editor's
            return Position(mark.line + 1 + self.line_offset, mark.column + 1)
        pos = LineIndex(self.text).pos(min(mark.index, len(self.text)))
        return Position(pos.line + self.line_offset, pos.col)


def _places(loader: Any, opts: Options) -> Places:
    """The loader's text as `Places` (set by `load`; an empty text when the loader was made elsewhere)."""
    found = getattr(loader, "places", None)
    return found if isinstance(found, Places) else Places("", opts.line_offset)


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


def _no_repeated_key(node: yaml.MappingNode, places: Places) -> None:
    """YAML lets a later key silently replace an earlier one; refkb's files never mean that."""
    seen: set[str] = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            if key.value in seen:
                at = places.at(key.start_mark)
                raise YamlError(
                    f"the key {key.value[:40]!r} is given twice in one mapping", at.line, at.col, hint="keep one"
                )
            seen.add(key.value)


def _construct(loader: Any, node: yaml.Node, make: Any, opts: Options) -> Any:
    """`make()` (the loader's own construct_object), with a value YAML cannot make reported at its node: a date
    that does not exist, a number too large."""
    try:
        return make()
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as exc:
        # KeyError, AttributeError: a tag PyYAML does not check the value against (!!bool x, !!timestamp yes)
        at = _places(loader, opts).at(node.start_mark)
        shown = f"{node.value[:40]!r}" if isinstance(node, yaml.ScalarNode) else "this value"
        what = "a date" if node.tag == "tag:yaml.org,2002:timestamp" else "a value"
        why = exc if isinstance(exc, ValueError | TypeError | OverflowError) else f"not a {node.tag.rsplit(':', 1)[-1]}"
        raise YamlError(
            f"{shown}: YAML cannot read it as {what} ({why})",
            at.line,
            at.col,
            hint="write a date that exists, as YYYY-MM-DD" if what == "a date" else "quote it to keep it as text",
        ) from None


def _mapping(loader: Any, node: yaml.MappingNode, mapping: dict[Any, Any], opts: Options) -> dict[Any, Any]:
    if opts.keep_lines:
        mapping["__line__"] = _places(loader, opts).at(node.start_mark).line
    return mapping


def _make_loader(opts: Options, base: Any = yaml.SafeLoader) -> Any:
    """A loader whose composer is watched (aliases counted, depth bounded), on PyYAML's pure-Python reader or, with
    `base=_CEvents`, on libyaml's events. A new class for each text: the counters are the class's."""

    class Loader(base):  # type: ignore[misc]
        _depth = 0
        _aliases = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                Loader._aliases += 1
                if Loader._aliases > opts.aliases:
                    what = f"more than {opts.aliases} aliases" if opts.aliases else "aliases (*name) are not allowed"
                    at = _places(self, opts).at(event.start_mark)
                    raise YamlError(what, at.line, at.col, hint="write the value out in full")
            Loader._depth += 1
            try:
                if Loader._depth > MAX_DEPTH:
                    event = self.peek_event()
                    at = _places(self, opts).at(event.start_mark)
                    raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", at.line, at.col)
                return super().compose_node(parent, index)
            finally:
                Loader._depth -= 1

        def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
            return _construct(self, node, lambda: super(Loader, self).construct_object(node, deep=deep), opts)

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            _no_repeated_key(node, _places(self, opts))
            return _mapping(self, node, super().construct_mapping(node, deep=deep), opts)

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


def _env_tag(loader: Any, node: yaml.Node) -> Any:
    """MkDocs' `!ENV VAR` and `!ENV [VAR, OTHER, default]` (pyyaml_env_tag): the value of the first variable set,
    read as YAML reads a plain scalar; else the last item of a list of two or more (as YAML wrote it); else null."""
    default: Any = None
    if isinstance(node, yaml.ScalarNode):
        names = [str(loader.construct_scalar(node))]
    elif isinstance(node, yaml.SequenceNode):
        items = list(node.value)
        if len(items) > 1:
            default = loader.construct_object(items[-1], deep=True)
            items = items[:-1]
        names = [str(loader.construct_scalar(n)) if isinstance(n, yaml.ScalarNode) else "" for n in items]
    else:
        at = _places(loader, Options()).at(node.start_mark)
        raise YamlError(
            "!ENV takes a variable name or a list of names", at.line, at.col, hint="write !ENV [NAME, default]"
        )
    for name in names:
        if name and name in os.environ:
            value = os.environ[name]
            tag = loader.resolve(yaml.ScalarNode, value, (True, False))
            return loader.construct_object(yaml.ScalarNode(tag, value, node.start_mark, node.end_mark))
    return default


def _configure(loader: Any, opts: Options) -> None:
    if opts.dates_as_text:
        loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
    if opts.any_tag:
        loader.add_multi_constructor("", _any_tag)
    if opts.env_tag:
        loader.add_constructor("!ENV", _env_tag)


_FAST: dict[Options, Any] = {}


def _fast_loader(opts: Options) -> Any:
    """libyaml, for text that holds neither an alias nor deep nesting."""
    if opts not in _FAST:

        class Fast(_C_LOADER):  # type: ignore[misc]
            def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
                return _construct(self, node, lambda: super(Fast, self).construct_object(node, deep=deep), opts)

            def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
                _no_repeated_key(node, _places(self, opts))
                return _mapping(self, node, super().construct_mapping(node, deep=deep), opts)

        _configure(Fast, opts)
        _FAST[opts] = Fast
    return _FAST[opts]


if _C_PARSER is not None:

    class _CEvents(yaml.composer.Composer, _C_PARSER, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):  # type: ignore[misc]
        """libyaml's events composed by PyYAML's composer, which `_make_loader` watches: for a text with too much
        structure for libyaml's own composer, which recurses in C once per level of nesting, unwatched."""

        def __init__(self, stream: str) -> None:
            _C_PARSER.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


_QUICK: dict[Options, Any] = {}
_QUICK_NESTING = 2000  # structural characters: libyaml's composer recurses in C, unwatched, once per level
_REPORT = object()  # what `_quick` returns when the positioned reader must read the text


def _quick_loader(opts: Options) -> Any:
    """libyaml with nothing watched: a repeated key raises (the positioned reader then reports it)."""
    if opts not in _QUICK:

        class Quick(_C_LOADER):  # type: ignore[misc]
            def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
                _no_repeated_key(node, Places("", opts.line_offset))
                mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
                if opts.keep_lines:  # no U+0085, U+2028, U+2029 in the text (`_quick`): YAML's lines are an editor's
                    mapping["__line__"] = node.start_mark.line + 1 + opts.line_offset
                return mapping

            # libyaml's composer calls these three for every node (a Python call each, a third of its time when
            # they are Python functions). Without path resolvers (SafeLoader has none; checked below) the first two
            # do nothing and their results are not read: builtins that take their arguments and do nothing stand in.
            # A node's tag depends on its kind, text and style alone: the resolver's answers are kept (`_tag`, the
            # same for every Quick: only their constructors differ), looked up without a Python call.
            descend_resolver = staticmethod(slice)  # called as (parent, index)
            ascend_resolver = staticmethod(tuple)  # called without arguments
            resolve = staticmethod(_tag)

        if Quick.yaml_path_resolvers:  # a path resolver reads where a node stands: PyYAML's own methods then
            del Quick.descend_resolver, Quick.ascend_resolver, Quick.resolve
        _configure(Quick, opts)
        _QUICK[opts] = Quick
    return _QUICK[opts]


@functools.lru_cache(maxsize=16_384)  # the most recent (kind, text, style): a few MB at most, for `mkdocs serve`
def _tag(kind: Any, value: str | None, implicit: Any) -> Any:
    """PyYAML's resolver's tag for a node of `kind` with text `value` (None for a collection) and `implicit` (a
    scalar's plain and quoted flags): its implicit resolvers and default tags are its class's (no path resolver)."""
    return yaml.resolver.BaseResolver.resolve(_C_LOADER, kind, value, implicit)  # type: ignore[no-untyped-call]


class _Refused(Exception):
    """What `_Builder` met that only the positioned reader may read: an alias, nesting deeper than `MAX_DEPTH`, or a
    plain scalar holding '?' inside a flow collection (PyYAML ends a plain scalar there and refuses the rest; libyaml
    reads on)."""


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
_FLATTENED = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})  # keys SafeConstructor rewrites


@dataclass(frozen=True)
class _Builder:
    """Makes a composed document's value as the loader's constructor makes it (text, lists and mappings of scalar
    keys here, anything else by the constructor), refusing (`_Refused`) what the positioned reader must read. The
    root is at depth 1, as the positioned reader counts."""

    loader: Any
    opts: Options
    seen: set[int] | None  # the nodes met, when the text may hold an alias (a '*'): libyaml shares its node
    question: bool  # the text holds a '?'
    places: Places  # for a repeated key, refused here (the positioned reader says where it is)

    def meet(self, node: yaml.Node, depth: int, in_flow: bool) -> None:
        if depth > MAX_DEPTH:
            raise _Refused
        if self.seen is not None:
            if id(node) in self.seen:
                raise _Refused
            self.seen.add(id(node))
        if self.question and in_flow and isinstance(node, yaml.ScalarNode) and not node.style and "?" in node.value:
            raise _Refused

    def build(self, node: yaml.Node, depth: int = 1, in_flow: bool = False) -> Any:
        if self.seen is None and not in_flow:
            return self.plain(node, depth)
        self.meet(node, depth, in_flow)
        return self.general(node, depth, in_flow)

    def general(self, node: yaml.Node, depth: int, in_flow: bool) -> Any:
        """`build` on a node met."""
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self.loader.construct_object(node, deep=True)
        flow = in_flow or bool(getattr(node, "flow_style", False))
        if node.tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth + 1, flow) for item in node.value]
        if node.tag == _MAP and isinstance(node, yaml.MappingNode):
            mapping = self.mapping(node, depth + 1, flow)
            if mapping is not None:
                return mapping
        self.walk(node, depth, in_flow)
        return self.loader.construct_object(node, deep=True)

    def plain(self, node: yaml.Node, depth: int) -> Any:
        """`build` outside flow collections in a text without '*' (no node met twice; no flow scalar to refuse for
        a '?'): only the depth is watched. The composer's own node classes, by identity; anything else, and a flow
        collection in a text holding a '?', is `build`'s."""
        if depth > MAX_DEPTH:
            raise _Refused
        kind = type(node)
        if kind is yaml.ScalarNode:
            return node.value if node.tag == _STR else self.loader.construct_object(node, deep=True)
        if self.question and getattr(node, "flow_style", False):
            return self.general(node, depth, False)  # met: its depth was its only check (it is no scalar)
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            return [self.plain(item, depth + 1) for item in node.value]
        if kind is yaml.MappingNode and node.tag == _MAP:
            pairs = node.value
            if all(type(k) is yaml.ScalarNode and k.tag not in _FLATTENED for k, _ in pairs):
                if len({k.value for k, _ in pairs}) < len(pairs):
                    raise _Refused  # a key given twice (the positioned reader says where)
                inner = depth + 1  # a key stands where its value does: the value's depth is checked
                mapping = {(k.value if k.tag == _STR else self.plain(k, inner)): self.plain(v, inner) for k, v in pairs}
                if self.opts.keep_lines:
                    mapping["__line__"] = node.start_mark.line + 1 + self.opts.line_offset
                return mapping
        return self.general(node, depth, False)  # met: its depth was its only check

    def mapping(self, node: yaml.MappingNode, depth: int, flow: bool) -> dict[Any, Any] | None:
        """A mapping whose keys are all scalars (none that SafeConstructor rewrites), built; None for another. A key
        given twice is refused (the positioned reader says where)."""
        pairs = node.value
        for k, _ in pairs:
            if not isinstance(k, yaml.ScalarNode) or k.tag in _FLATTENED:
                return None
        given: set[str] = set()
        mapping: dict[Any, Any] = {}
        for k, v in pairs:
            if k.value in given:
                raise _Refused
            given.add(k.value)
            key = self.build(k, depth, flow)
            mapping[key] = self.build(v, depth, flow)
        if self.opts.keep_lines:  # no U+0085, U+2028, U+2029 in the text (`_quick`): YAML counts as editors
            mapping["__line__"] = node.start_mark.line + 1 + self.opts.line_offset
        return mapping

    def walk(self, root: yaml.Node, depth: int, in_flow: bool) -> None:
        """Every node under `root` met once, without recursion (before the constructor, which recurses, sees it)."""
        flow = in_flow or bool(getattr(root, "flow_style", False))
        stack = [(item, depth + 1, flow) for item in _children(root)]
        while stack:
            node, level, flow = stack.pop()
            self.meet(node, level, flow)
            flow = flow or bool(getattr(node, "flow_style", False))
            stack.extend((item, level + 1, flow) for item in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _structure(text: str) -> int:
    """How many characters of `text` may open a level of nesting, counted up to `_QUICK_NESTING`."""
    return sum(1 for _ in itertools.islice(_STRUCTURE.finditer(text), _QUICK_NESTING))


def _quick(text: str, opts: Options) -> Any:
    """The document as libyaml reads it, or `_REPORT` when there is anything to report, or the text holds a YAML
    line break other than \\n or a tab (PyYAML refuses one outside quotes, libyaml reads it as a space). A text with
    too much structure for libyaml's composer to be run on it unwatched is composed from libyaml's events by PyYAML's
    composer, watched as the positioned reader watches it."""
    places = Places(text, opts.line_offset)
    if _C_LOADER is None or _C_PARSER is None or "\t" in text or not places.plain:
        return _REPORT
    loader: Any = None
    try:
        # libyaml's events, PyYAML's composer, watched (a shorter text cannot hold that many structural characters)
        watched = len(text) >= _QUICK_NESTING and _structure(text) >= _QUICK_NESTING
        loader = _make_loader(opts, _CEvents)(text) if watched else _quick_loader(opts)(text)
        loader.places = places
        root = loader.get_single_node()
        if root is None:
            return None
        seen: set[int] | None = set() if "*" in text else None
        return _Builder(loader, opts, seen, "?" in text, Places("", opts.line_offset)).build(root)
    except Exception:  # _Refused, or whatever else: the positioned reader says it, at its place
        return _REPORT
    finally:
        if loader is not None:
            loader.dispose()


def load(text: str, opts: Options = Options()) -> Any:
    """The YAML document in `text`; raises YamlError (never anything else) when it cannot be read safely."""
    if len(text) > MAX_BYTES:
        raise YamlError(f"the YAML is larger than {MAX_BYTES // (1024 * 1024)} MB", 1 + opts.line_offset, 1)
    quick = _quick(text, opts)
    if quick is not _REPORT:
        return quick
    fast = (
        _C_LOADER is not None
        and "&" not in text
        and "*" not in text
        and len(_STRUCTURE.findall(text, 0, MAX_DEPTH * 64)) < MAX_DEPTH
        and len(text) < MAX_DEPTH * 64
    )
    places = Places(text, opts.line_offset)
    loader: Any = None
    try:
        loader = (_fast_loader(opts) if fast else _make_loader(opts))(text)  # the pure-Python reader checks here
        loader.places = places
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        raise _not_allowed(text, exc, fast, opts.line_offset) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        at = places.at(mark) if mark else Position(1 + opts.line_offset, 1)
        problem = getattr(exc, "problem", None) or "the text cannot be read"
        raise YamlError(f"not valid YAML: {problem}", at.line, at.col) from None
    except RecursionError:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", 1 + opts.line_offset, 1) from None
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as exc:  # not at a node (see _construct)
        raise YamlError(f"a value YAML cannot read: {exc}", 1 + opts.line_offset, 1) from None
    finally:
        if loader is not None:
            loader.dispose()


def _not_allowed(text: str, exc: yaml.reader.ReaderError, fast: bool, line_offset: int) -> YamlError:
    """A character YAML refuses, at its place: libyaml counts the offset in UTF-8 bytes, PyYAML in characters."""
    offset = len(text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")) if fast else exc.position
    at = LineIndex(text).pos(min(offset, len(text)))
    what = f"the character U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
    return YamlError(
        f"not valid YAML: {what} is not allowed",
        at.line + line_offset,
        at.col,
        hint="delete it (an editor may show it as a box)",
    )


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


def locate(text: str, steps: Sequence[str | int]) -> Position | None:
    """Where the value at `steps` stands in the YAML `text` (None when it is not there or the text cannot be read).
    A step is a mapping's key or a list's index; a key on a list picks the item that is, or is a mapping holding,
    that key (MkDocs' `plugins: [search, refkb: {...}]`). Composed with the bounded loader: no alias expanded."""
    if len(text) > MAX_BYTES:
        return None
    places = Places(text)
    loader: Any = None
    try:
        loader = _make_loader(Options(any_tag=True, aliases=MAX_ALIASES))(text)
        loader.places = places
        node = loader.get_single_node()
    except (yaml.YAMLError, YamlError, RecursionError):
        return None
    finally:
        if loader is not None:
            loader.dispose()
    key: yaml.Node | None = None
    for step in steps:
        if isinstance(node, yaml.MappingNode):
            key = next((k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)), None)
        node = _step(node, step)
        if node is None:
            return None
    if key is not None and node.start_mark.index < key.start_mark.index:
        return places.at(key.start_mark)  # an alias: its value stands at the anchor, the setting at its key
    return places.at(node.start_mark)


def _step(node: yaml.Node | None, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(step)), None)
    if not isinstance(node, yaml.SequenceNode):
        return None
    if isinstance(step, int):
        return node.value[step] if 0 <= step < len(node.value) else None
    for item in node.value:
        if isinstance(item, yaml.ScalarNode) and item.value == step:
            return item
        inner = _step(item, step) if isinstance(item, yaml.MappingNode) else None
        if inner is not None:
            return inner
    return None
