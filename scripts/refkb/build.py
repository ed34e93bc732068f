"""The MkDocs side of refkb: the only module that imports MkDocs.

On every build (and every rebuild under `mkdocs serve`) the project is validated: errors stop the build with the
same `PATH:LINE:COL` messages as `refkb validate`; warnings are logged.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from . import project as project_mod
from . import validate
from .model import Level

log = logging.getLogger("mkdocs.plugins.refkb")


def project_of(config: MkDocsConfig) -> project_mod.Project:
    root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
    return project_mod.from_config(root, dict(config))


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    project_of(config)  # fail early on a malformed extra.refkb
    return config


def on_pre_build(config: MkDocsConfig) -> None:
    proj = project_of(config)
    if not proj.bibliography.is_file():
        raise PluginError(f"refkb: {proj.relative(proj.bibliography)} not found")
    _, issues = validate.validate_project(proj)
    errors = [i for i in issues if i.level is Level.ERROR]
    for issue in issues:
        if issue.level is Level.WARNING:
            log.info("refkb: %s", issue.render())
    if errors:
        shown = "\n".join(i.render() for i in errors[:50])
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise PluginError(f"refkb found {len(errors)} error(s) in the references:\n{shown}{more}")
