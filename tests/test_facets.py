"""refkb.facets: facets and library rows carry expanded values, and hostile coding values are escaped on every
evidence page."""

from __future__ import annotations

import re
from pathlib import Path

import codedlib
from codedlib import scheme_fixture, sources_fixture  # noqa: F401  (fixtures: scheme, srcs)
from refkb import coded, evidencemap, facets, regionpages
from refkb.coding import Scheme


def test_facets_and_rows_carry_expanded_values(srcs: list[coded.Source], scheme: Scheme) -> None:
    html = facets.library_facets(srcs, scheme)
    assert 'name="platforms" value="social-network"' in html
    assert re.search(r'value="ph"> Philippines <span class="refkb-facet-count">2</span>', html)
    fox = next(s for s in srcs if s.key == "fox2022livestreamed")
    attrs = facets.row_attrs(scheme)(fox.ref)
    assert 'data-platforms="instagram whatsapp social-network messaging"' in attrs
    assert 'data-regions="ph south-eastern-asia asia"' in attrs


HOSTILE = """@article{evil2020x,
  author = {Evil, Eve},
  title = {A title},
  journaltitle = {J},
  date = {2020},
  keywords = {recruitment-grooming},
  sourcekind = {academic},
  platforms = {<img src=x onerror=alert(1)>, instagram},
  regions = {"><script>alert(1)</script>},
  design = {qualitative},
}
"""


def test_hostile_coding_values_are_escaped(scheme: Scheme, tmp_path: Path) -> None:
    srcs = coded.sources(codedlib.refs_of(HOSTILE), scheme)
    ax = coded.axes(srcs, scheme, codedlib.TOPICS, ["academic"])
    html = str(facets.coding_block(srcs[0].ref, scheme, "references/evil2020x/"))
    html += str(facets.library_facets(srcs, scheme)) + str(facets.row_attrs(scheme)(srcs[0].ref))
    html += str(evidencemap.explorer(srcs, ax, "dashboard/"))
    html += str(regionpages.regions_page(srcs, scheme, "regions/", lambda m: str(m)))
    assert "<img" not in html
    assert "<script>alert" not in html
    assert "</script><" not in html.replace("</script></div>", "")
