"""The methodology page's vocabulary tables: every value of every coding dimension with its label and definition."""

from __future__ import annotations

from markupsafe import Markup

from .coded import PRIMARY_NOTE
from .coding import Scheme
from .fragment import fmt


def vocabulary_tables(scheme: Scheme) -> Markup:
    out = []
    for d in scheme.dimensions:
        rows = []
        if d.name == "platforms":
            for cat in scheme.categories:
                rows.append(
                    fmt(
                        '<tr class="refkb-vocab-group"><td><code>{}</code></td><td><strong>{}</strong> '
                        "(category)</td><td>{}</td></tr>",
                        cat.slug,
                        cat.label,
                        cat.definition,
                    )
                )
                rows.extend(
                    fmt("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", v.slug, v.label, v.definition)
                    for v in d.values
                    if v.group == cat.slug
                )
            rows.extend(
                fmt("<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", v.slug, v.label, v.definition)
                for v in d.values
                if not v.group
            )
        else:
            for v in d.values:
                parent = f" Part of {scheme.label('regions', v.group)}." if d.name == "regions" and v.group else ""
                rows.append(
                    fmt(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}{}</td></tr>",
                        v.slug,
                        v.label,
                        v.definition,
                        parent,
                    )
                )
            if d.name == "regions":
                rows.append(
                    Markup(
                        "<tr><td><code>us</code>, <code>ph</code>, …</td><td>Countries and areas</td><td>ISO 3166-1 "
                        "alpha-2 codes in lower case; each counts in its UN M49 sub-region and region.</td></tr>"
                    )
                )
        required = " Required for every entry." if d.name in scheme.required else ""
        out.append(
            fmt(
                '<h3 id="coding-{0}">{1} (<code>{0}</code>)</h3><p>Several values comma-separated.{2}</p>'
                '<div class="refkb-scroll" tabindex="0" role="region" aria-label="Values of {1}">'
                '<table class="refkb-vocabulary"><thead><tr><th scope="col">Value</th>'
                '<th scope="col">Label</th><th scope="col">Definition</th></tr></thead>'
                "<tbody>{3}</tbody></table></div>",
                d.name,
                d.label,
                required,
                Markup("").join(rows),
            )
        )
    labels = [v.label.lower() for v in scheme.all_values("design") if v.slug in scheme.primary]
    out.append(fmt("<p>{}</p>", PRIMARY_NOTE.format(", ".join(labels) or "none")))
    return Markup("").join(out)
