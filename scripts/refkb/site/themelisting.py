"""`mkdocs serve`: the theme's files listed once, not on every rebuild.

Every build, MkDocs lists each file of the theme's folders (`Files.add_files_from_theme`: Jinja's
`list_templates`, then a name filter of a dozen patterns) to add the theme's static files. Material's folders hold
14,510 files (its icons), and listing and filtering them took 0.13–0.18 s of each rebuild at 1,000 works, a sixth
of an annotation edit's. The names depend only on which files the folders hold and on the configuration the filter
reads, so the server keeps each listing by those: the folders of an installed package (the theme's own, under
site-packages) are taken as unchanged while the server runs (their Python code is loaded once too; MkDocs does not
watch them unless told to), and a folder of the project's (`custom_dir`, such as overrides/) is walked again on every
rebuild, so a file added or removed there is listed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from mkdocs import utils
from mkdocs.config.defaults import MkDocsConfig

_INSTALLED = frozenset({"site-packages", "dist-packages"})


def installed(folder: str) -> bool:
    """Whether a theme folder belongs to an installed package (unchanged while the server runs)."""
    return not _INSTALLED.isdisjoint(Path(folder).parts)


def own_files(folders: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every file of the folders that are not an installed package's, by folder, relative and sorted."""
    out = []
    for folder in folders:
        if installed(folder):
            continue
        names: list[str] = []
        for at, dirs, files in os.walk(folder):
            dirs.sort()
            rel = os.path.relpath(at, folder)
            names.extend(os.path.normpath(os.path.join(rel, f)) for f in files)
        out.append((folder, tuple(sorted(names))))
    return tuple(out)


@dataclass
class ThemeListing:
    """The theme's template names, by what they are listed from (`attach`)."""

    kept: dict[object, list[str]] = field(default_factory=dict)
    listed: int = 0  # how many listings were made (the rest were kept)

    def attach(self, config: MkDocsConfig) -> None:
        """This rebuild's theme gives Jinja environments whose `list_templates` is kept (MkDocs makes the
        configuration, the theme and the environment anew on every rebuild)."""
        theme = config.theme
        make_env: Callable[[], jinja2.Environment] = theme.get_env

        def get_env() -> jinja2.Environment:
            env = make_env()
            listing = env.list_templates

            def list_templates(extensions: Any = None, filter_func: Any = None) -> list[str]:
                return self.names(config, listing, extensions, filter_func)

            setattr(env, "list_templates", list_templates)  # noqa: B010 (an instance's method replaced)
            return env

        setattr(theme, "get_env", get_env)  # noqa: B010 (an instance's method replaced)

    def names(
        self, config: MkDocsConfig, listing: Callable[..., list[str]], extensions: Any, filter_func: Any
    ) -> list[str]:
        """The listing, kept while the folders' files and what a filter reads are the same: a filter is known by
        its code (MkDocs' is a function made anew each build from the same code) and reads the configuration's
        static templates and the Markdown extensions (`Files.add_files_from_theme`)."""
        dirs = tuple(config.theme.dirs)
        key = (
            getattr(filter_func, "__code__", filter_func),
            None if extensions is None else tuple(extensions),
            dirs,
            tuple(sorted(config.theme.static_templates)),
            tuple(utils.markdown_extensions),
            own_files(dirs),
        )
        names = self.kept.get(key)
        if names is None:
            names = self.kept[key] = listing(extensions=extensions, filter_func=filter_func)
            self.listed += 1
        return list(names)
