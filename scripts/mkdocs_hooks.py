"""The MkDocs hook named under `hooks:` in mkdocs.yml. It only delegates: the work is in `refkb.build`.

MkDocs puts this file's folder on sys.path only while loading it, so `refkb` is imported here, at the top.
"""

from refkb.build import (
    on_config,
    on_files,
    on_page_content,
    on_page_markdown,
    on_post_build,
    on_post_page,
    on_post_template,
    on_serve,
)

__all__ = [
    "on_config",
    "on_files",
    "on_page_content",
    "on_page_markdown",
    "on_post_build",
    "on_post_page",
    "on_post_template",
    "on_serve",
]
