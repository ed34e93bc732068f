"""The project's settings, read from `extra.refkb` in mkdocs.yml: where things are and the controlled vocabularies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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

    @property
    def topic_slugs(self) -> frozenset[str]:
        return frozenset(t.slug for t in self.topics)

    def relative(self, path: Path) -> str:
        """A path as shown in messages: relative to the project root when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


class _Loader(yaml.SafeLoader):
    """A safe loader that reads MkDocs' `!!python/name:` and `!ENV` tags as plain values instead of failing."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_Loader.add_multi_constructor("", _any_tag)


class ConfigError(Exception):
    """mkdocs.yml is missing or does not say what refkb needs."""


def load(root: Path | str = ".", config_file: str = "mkdocs.yml") -> Project:
    root = Path(root)
    path = root / config_file
    try:
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    return from_config(root, config)


def from_config(root: Path, config: dict[str, Any]) -> Project:
    extra = (config.get("extra") or {}).get("refkb") or {}
    docs = root / str(config.get("docs_dir", "docs"))
    topics = tuple(
        Topic(str(t["slug"]), str(t.get("title", t["slug"])), str(t.get("section", "")))
        for t in extra.get("topics", [])
        if isinstance(t, dict) and "slug" in t
    )
    return Project(
        root=root,
        bibliography=root / str(extra.get("bibliography", "references.bib")),
        docs=docs,
        annotations=docs / str(extra.get("annotations", "references")),
        topics=topics,
        sourcekinds=tuple(extra.get("sourcekinds", DEFAULT_SOURCEKINDS)),
        style=str(extra.get("style", "apa")),
        helplines=tuple(str(n) for n in extra.get("helplines", [])),
    )
