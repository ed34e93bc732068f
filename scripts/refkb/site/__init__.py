"""The site layer: the only package that imports MkDocs.

- `plugin`: the MkDocs plugin; routes each event to `events` through `hardening.guarded`.
- `kinds`: the table of page kinds (paths, renderers, git sources, cite blocks, print edition, inputs shown).
- `render`: each kind's renderer, and the pipeline every page goes through (no MkDocs).
- `context`: one build's data as renderers see it (no MkDocs); `tokens`: placeholders for refkb's HTML.
- `works`: the works formatted, who cites what, the downloads; `assets`: style sheets, scripts, finished pages.
- `session` (mkdocs build) and `serve` (mkdocs serve --dirty: what is kept, what a rebuild makes again).
- `cached`: the page cache of finished reference pages; `hardening`: untrusted front matter, the guard.

The rest of refkb is generator-neutral: moving to another generator means another package beside this one.
"""
