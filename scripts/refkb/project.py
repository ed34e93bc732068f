"""The project's settings, read from `extra.refkb` in mkdocs.yml: where things are and the controlled vocabularies."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import coding as coding_mod
from . import profiles, safeyaml
from .errors import RefkbError
from .model import Position
from .values import excerpt

DEFAULT_SOURCEKINDS = ("ngo", "intergovernmental", "government", "academic", "industry", "law", "journalism")


@dataclass(frozen=True)
class Topic:
    slug: str
    title: str
    section: str


@dataclass(frozen=True)
class Project:
    root: Path
    bibliography: Path
    docs: Path
    annotations: Path  # docs/references: one <key>.md per entry
    topics: tuple[Topic, ...]
    sourcekinds: tuple[str, ...]
    style: str = "apa"
    helplines: tuple[str, ...] = ()  # the only phone numbers allowed in docs/ (official help lines)
    # How `title` is stored: "sentence-case" (this knowledge base: `refkb validate` checks it, title-case) or
    # "as-is" (no check).
    titles: str = "as-is"
    stale_after_months: int = 18  # an annotation verified longer ago is flagged (stale-verification)
    coding: coding_mod.Scheme | None = None  # the evidence-coding vocabularies (extra.refkb.coding), if any
    # extra.refkb.bibliography may list several files, read in order like BibTeX: the @string macros of the
    # earlier ones (e.g. an abbreviations file) are defined in the later ones; the last one holds the entries.
    macro_files: tuple[Path, ...] = ()
    # extra.refkb.appraisal: "required" makes every annotation carry an appraisal block (refkb.appraisal).
    appraisal_required: bool = False
    # extra.refkb.searches: the search log and screening records (refkb.searchlog), a YAML file under docs/.
    searches: Path | None = None
    # extra.refkb.profile (or the plugin's `profile` option): the rules the site holds itself to (refkb.profiles).
    profile: profiles.Profile = profiles.DEFAULT

    @property
    def topic_slugs(self) -> frozenset[str]:
        return frozenset(t.slug for t in self.topics)

    @functools.cached_property
    def folder(self) -> str:
        """Where reference pages live in the site: the annotations folder under docs/ ("references")."""
        try:
            return self.annotations.relative_to(self.docs).as_posix()
        except ValueError:
            return "references"

    def relative(self, path: Path) -> str:
        """A path as shown in messages: relative to the project root when inside it."""
        try:  # the usual case, without touching the file system
            if not path.is_absolute() or self.root.is_absolute():
                return path.relative_to(self.root).as_posix()
        except ValueError:
            pass
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


_MARKUP = re.compile(r"[<>\"`]")


class ConfigError(RefkbError):
    """mkdocs.yml is missing or does not say what refkb needs. With a `code` (a setting of the wrong type or value,
    at its place) the line reads like an issue's: `PATH:LINE:COL: error CODE what — hint`."""

    def __init__(
        self,
        what: str = "",
        *,
        path: str | os.PathLike[str] = "",
        line: int = 0,
        col: int = 0,
        hint: str = "",
        code: str = "",
    ) -> None:
        super().__init__(what, path=path, line=line, col=col, hint=hint)
        self.code = code

    def summary(self) -> str:
        return f"error {self.code} {super().summary()}" if self.code else super().summary()


def load(root: Path | str = ".", config_file: str = "mkdocs.yml") -> Project:
    root = Path(root)
    path = root / config_file
    return from_config(root, read_config(path), path.name)


# mkdocs.yml as MkDocs reads it: !ENV from the environment, aliases allowed (bounded), other tags as plain values.
_YAML = safeyaml.Options(any_tag=True, aliases=safeyaml.MAX_ALIASES, env_tag=True)
MAX_INHERIT = 8  # files in one INHERIT chain


def read_config(path: Path) -> dict[str, Any]:
    """mkdocs.yml as MkDocs reads it: `INHERIT: parent.yml` (relative to the file) is read first and the file
    merged over it, mappings key by key and any other value replaced (mergedeep's rule, which MkDocs uses)."""
    return _config_chain(path, (), path.parent)


def _config_chain(path: Path, seen: tuple[Path, ...], root: Path) -> dict[str, Any]:
    config = _yaml_file(path, f"{path}: cannot read", _shown(root, path))
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: the file must be a mapping (site_name: ..., extra: ...)")
    parent = config.pop("INHERIT", None)
    if parent is None:
        return config
    at = safeyaml.locate(_text(path), ("INHERIT",)) or Position(0, 0)
    shown = _shown(root, path)
    target = Path(os.path.normpath(path.parent / parent)) if isinstance(parent, str) and parent.strip() else None
    what, hint = "", ""
    if target is None:
        what, hint = "INHERIT must name a YAML file", "write INHERIT: base.yml"
    elif target in seen or target == Path(os.path.normpath(path)) or len(seen) >= MAX_INHERIT:
        why = "is inherited twice (a loop)" if len(seen) < MAX_INHERIT else f"is more than {MAX_INHERIT} files deep"
        what, hint = f"INHERIT: {parent} {why}", "inherit each file once"
    elif not target.is_file():
        what, hint = f"INHERIT: {parent} does not exist", "INHERIT is relative to the file that names it"
    if what or target is None:
        raise ConfigError(what, path=shown, line=at.line, col=at.col, hint=hint, code="invalid-setting")
    return merged(_config_chain(target, (*seen, Path(os.path.normpath(path))), root), config)


def merged(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    """`child` over `parent`: mappings merged key by key, any other value (a list too) the child's. Bounded: a merge
    that would visit more than MAX_MERGED keys (aliases make a few lines stand for many mappings) is refused."""
    seen = [0]
    return _merged(parent, child, seen)


MAX_MERGED = 100_000


def _merged(parent: Mapping[str, Any], child: Mapping[str, Any], seen: list[int]) -> dict[str, Any]:
    out = dict(parent)
    seen[0] += len(child)
    if seen[0] > MAX_MERGED:
        raise ConfigError(f"INHERIT: the files merge more than {MAX_MERGED:,} settings", hint="write fewer aliases")
    for key, value in child.items():
        old = out.get(key)
        out[key] = _merged(old, value, seen) if isinstance(old, Mapping) and isinstance(value, Mapping) else value
    return out


def _text(path: Path) -> str:
    try:
        return safeyaml.decode(path.read_bytes())
    except (OSError, safeyaml.YamlError):
        return ""


def config_files(path: Path) -> list[Path]:
    """mkdocs.yml and the files it INHERITs, the file itself first (where a setting is looked for)."""
    out = [path]
    while len(out) <= MAX_INHERIT:
        try:
            parent = safeyaml.load(_text(out[-1]), _YAML)
        except safeyaml.YamlError:
            break
        name = parent.get("INHERIT") if isinstance(parent, dict) else None
        if not isinstance(name, str):
            break
        target = Path(os.path.normpath(out[-1].parent / name))
        if target in out or not target.is_file():
            break
        out.append(target)
    return out


def setting_error(root: Path, where: str, steps: Sequence[str | int], what: str, hint: str) -> ConfigError:
    """A setting of the wrong type or value, at its place in mkdocs.yml (or the file it INHERITs from) when found,
    with the code invalid-setting."""
    for file in config_files(root / where):
        at = safeyaml.locate(_text(file), steps)
        if at is not None:
            shown = where if file == root / where else _shown(root, file)
            return ConfigError(what, path=shown, line=at.line, col=at.col, hint=hint, code="invalid-setting")
    return ConfigError(what, path=where, hint=hint, code="invalid-setting")


def _shown(root: Path, file: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return str(file)


def _yaml_file(path: Path, cannot_read: str, shown: str = "") -> Any:
    """A YAML file of the configuration (empty: {}); `cannot_read` starts the message when it cannot be read, and a
    fault of its YAML is placed in the file as `shown` names it (default: `path`)."""
    try:
        return safeyaml.load_bytes(path.read_bytes(), _YAML) or {}
    except OSError as exc:
        raise ConfigError(f"{cannot_read} ({exc.strerror})") from exc
    except safeyaml.YamlError as exc:
        raise ConfigError(
            exc.what, path=shown or path, line=exc.line, col=exc.col, hint=exc.hint, code="yaml-invalid"
        ) from exc


class _Unplaced(ConfigError):
    """A setting of the wrong type, found before its place is known: `from_config` places it (`setting_error`)."""

    def __init__(self, what: str, steps: Sequence[str | int], hint: str = "") -> None:
        super().__init__(what, hint=hint, code="invalid-setting")
        self.steps = tuple(steps)


def _steps(name: str) -> tuple[str, ...]:
    top = name.split(".", 1)[0]
    return (name,) if top in ("docs_dir", "site_name", "site_url") else ("extra", "refkb", *name.split("."))


def _setting(name: str) -> str:
    return name if _steps(name)[0] == name else f"extra.refkb.{name}"


def _str(value: object, where: str, name: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
        raise _Unplaced(f"{_setting(name)} must be text, not {excerpt(value)}", _steps(name), "write it as text")
    text = str(value)
    if any(ord(c) < 32 for c in text):
        raise _Unplaced(f"{_setting(name)} holds a control character", _steps(name), "remove the control character")
    return text


def _list(value: object, where: str, name: str) -> list[object]:
    if not isinstance(value, list):
        raise _Unplaced(f"{_setting(name)} must be a list, not {excerpt(value)}", _steps(name), "write [a, b, ...]")
    return value


PLUGIN_OPTIONS = ("bibliography", "annotations", "style", "vocabularies", "profile")


def plugin_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The options of `plugins: - refkb: {...}` in a raw mkdocs.yml ({} when the plugin is listed bare or not)."""
    listed = config.get("plugins") or []
    entries = (
        listed.items()
        if isinstance(listed, Mapping)
        else (next(iter(p.items())) if isinstance(p, Mapping) and len(p) == 1 else (p, None) for p in listed)
    )
    for name, options in entries:
        if name == "refkb":
            return dict(options) if isinstance(options, Mapping) else {}
    return {}


def settings(root: Path, config: Mapping[str, Any], options: Mapping[str, Any] | None, where: str) -> dict[str, Any]:
    """refkb's settings: `extra.refkb`, then the vocabularies file the plugin names, then the plugin's options."""
    extra = config.get("extra") or {}
    if not isinstance(extra, Mapping):  # MkDocs hands over its own mapping type, not a dict
        raise ConfigError(f"{where}: extra must be a mapping")
    extra = extra.get("refkb") or {}
    if not isinstance(extra, Mapping):
        raise ConfigError(f"{where}: extra.refkb must be a mapping (bibliography: ..., topics: [...])")
    merged = dict(extra)
    given = plugin_options(config) if options is None else options
    opts = {k: v for k, v in given.items() if v not in (None, "", [])}
    if opts.get("vocabularies"):
        path = root / _str(opts["vocabularies"], where, "vocabularies")
        vocab = _yaml_file(path, f"{where}: plugins.refkb.vocabularies: cannot read {path}")
        if not isinstance(vocab, Mapping):
            raise ConfigError(f"{path}: the vocabularies file must be a mapping (topics: [...], sourcekinds: [...])")
        merged.update(vocab)
    merged.update({k: v for k, v in opts.items() if k != "vocabularies"})
    return merged


def from_config(
    root: Path, config: dict[str, Any], where: str = "mkdocs.yml", options: Mapping[str, Any] | None = None
) -> Project:
    """The project from MkDocs' configuration; raises ConfigError naming the setting when a value has the wrong
    type (a list where text belongs, a number for a path, ...), at its place in mkdocs.yml when it is found there.
    `options` are the plugin's validated options (the build passes them; the CLI reads them from the raw `plugins:`
    list)."""
    try:
        return _from_config(root, config, where, options)
    except _Unplaced as exc:
        raise setting_error(root, where, exc.steps, exc.what, exc.hint) from exc


def _from_config(root: Path, config: dict[str, Any], where: str, options: Mapping[str, Any] | None) -> Project:
    extra = settings(root, config, options, where)
    for name in ("site_name", "site_url"):  # Material prints both into every page unescaped
        value = config.get(name)
        if isinstance(value, str) and _MARKUP.search(value):
            what = f'{name} must be plain text without < > " ` (the theme prints it unescaped)'
            raise setting_error(root, where, (name,), what, "remove the markup and the quotation marks")
    docs = root / _str(config.get("docs_dir", "docs"), where, "docs_dir").strip()
    topics = []
    for t in _list(extra.get("topics", []), where, "topics"):
        if not isinstance(t, dict) or "slug" not in t:
            raise ConfigError(f"{where}: each of extra.refkb.topics needs slug, title and section, not {excerpt(t)}")
        slug = _str(t["slug"], where, "topics.slug")
        topics.append(Topic(slug, _str(t.get("title", slug), where, "topics.title"), str(t.get("section", "") or "")))
    files = _bibliography(root, config, options, extra.get("bibliography", "references.bib"), where)
    sourcekinds = _list(extra.get("sourcekinds", list(DEFAULT_SOURCEKINDS)), where, "sourcekinds")
    if extra.get("coding") is not None and not isinstance(extra.get("coding"), Mapping):
        raise ConfigError(f"{where}: extra.refkb.coding must be a mapping (vocabularies: coding.yml, required: [...])")
    try:
        scheme = coding_mod.load(root, extra.get("coding"))
    except coding_mod.SchemeError as exc:
        if exc.path:  # the vocabularies file itself is at fault: named, with its place
            code = "invalid-setting" if exc.steps else ("yaml-invalid" if exc.line else "")  # a value, or the YAML
            raise ConfigError(exc.what, path=exc.path, line=exc.line, col=exc.col, hint=exc.hint, code=code) from exc
        raise ConfigError(f"{where}: extra.refkb.coding: {exc}") from exc
    annotations = docs / _str(extra.get("annotations", "references"), where, "annotations")
    if not _inside(annotations, docs):
        raise ConfigError(
            f"{where}: extra.refkb.annotations must be a folder inside docs_dir, not {excerpt(str(annotations))}"
        )
    return Project(
        root=root,
        bibliography=root / files[-1],
        docs=docs,
        annotations=annotations,
        topics=tuple(topics),
        sourcekinds=tuple(_str(k, where, "sourcekinds") for k in sourcekinds),
        style=_str(extra.get("style", "apa"), where, "style"),
        helplines=tuple(_str(n, where, "helplines") for n in _list(extra.get("helplines", []), where, "helplines")),
        titles=_choice(extra.get("titles", "as-is"), where, "titles", ("as-is", "sentence-case")),
        macro_files=tuple(root / f for f in files[:-1]),
        coding=scheme,
        stale_after_months=_months(extra.get("stale_after_months", 18), where),
        appraisal_required=_choice(extra.get("appraisal", "optional"), where, "appraisal", ("optional", "required"))
        == "required",
        searches=docs / _str(extra["searches"], where, "searches") if extra.get("searches") else None,
        profile=profiles.PROFILES[
            _choice(extra.get("profile", profiles.DEFAULT.name), where, "profile", tuple(profiles.PROFILES))
        ],
    )


def _bibliography(
    root: Path, config: Mapping[str, Any], options: Mapping[str, Any] | None, value: object, where: str
) -> list[str]:
    """The bibliography's files: one file name, or a list of them (macro files first); each must be text."""
    given = plugin_options(config) if options is None else options
    steps: tuple[str | int, ...] = (
        ("plugins", "refkb", "bibliography")
        if given.get("bibliography") not in (None, "", [])
        else ("extra", "refkb", "bibliography")
    )
    name = ".".join(str(s) for s in steps)
    hint = "write the .bib file's path as text, e.g. references.bib"
    if isinstance(value, list) and not value:
        raise setting_error(root, where, steps, f"{name} names no file", hint)
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or any(ord(c) < 32 for c in item):
            at = (*steps, i) if isinstance(value, list) else steps
            which = f"{name}[{i}]" if isinstance(value, list) else name
            raise setting_error(root, where, at, f"{which} must be a file name, not {excerpt(item)}", hint)
    return [str(item) for item in items]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return path.resolve() != folder.resolve()


def _choice(value: Any, where: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{where}: extra.refkb.{name} must be one of {', '.join(allowed)}, not {excerpt(value)}")
    return str(value)


def _months(value: Any, where: str) -> int:
    """extra.refkb.stale_after_months: a positive whole number of months."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"{where}: extra.refkb.stale_after_months must be a whole number of months, not {excerpt(value)}"
        )
    return value
