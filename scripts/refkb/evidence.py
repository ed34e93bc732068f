"""Where the evidence map's pages used to live, kept while the site's modules move to the modules themselves:
`coded` (the coded library, the map's axes and cells, the coding's CSV/JSON export), `evidencemap` (the map's
views, legend and explorer), `facets` (the library's facets and each reference page's coding), `platformpages`,
`regionpages` and `vocabulary` (the methodology's vocabulary tables). Each name below is an explicit re-export;
import it from its own module."""

from __future__ import annotations

from .coded import Source as Source
from .coded import axes as axes
from .coded import coding_csv as coding_csv
from .coded import coding_json as coding_json
from .coded import sources as sources
from .evidencemap import map_markdown as map_markdown
from .facets import coding_block as coding_block
from .facets import library_facets as library_facets
from .facets import row_attrs as row_attrs
from .facets import row_evidence as row_evidence
from .platformpages import platform_page as platform_page
from .platformpages import platforms_index as platforms_index
from .regionpages import regions_page as regions_page
from .vocabulary import vocabulary_tables as vocabulary_tables
