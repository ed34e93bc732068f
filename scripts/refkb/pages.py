"""Where the page fragments used to live, kept while the site's modules move to the fragment modules themselves:
`refs` (a work as pages show it), `fragment` (HTML helpers), `refpage` (a reference page), `headmeta` (its meta
tags), `intext` (in-text citations and reference lists), `kbpages` (claims ledger, glossary, timeline), `library`
(the library table and its filters) and `dashboard` (the coverage dashboard's figures). Each name below is an
explicit re-export; import it from its own module."""

from __future__ import annotations

from .dashboard import gap_matrix as gap_matrix
from .dashboard import per_year as per_year
from .dashboard import topics_over_time as topics_over_time
from .fragment import relative_url as relative_url
from .headmeta import head_meta as head_meta
from .intext import ClusterFn as ClusterFn
from .intext import cluster_requests as cluster_requests
from .intext import intext as intext
from .intext import reference_list as reference_list
from .kbpages import claims_for as claims_for
from .kbpages import claims_table as claims_table
from .kbpages import glossary as glossary
from .kbpages import timeline as timeline
from .library import index_record as index_record
from .library import library_browser as library_browser
from .library import library_row as library_row
from .library import library_rows as library_rows
from .library import library_table as library_table
from .refpage import CitingPage as CitingPage
from .refpage import byline as byline
from .refpage import cite_block as cite_block
from .refpage import cited_on as cited_on
from .refpage import content_note as content_note
from .refpage import downloads as downloads
from .refpage import reference_header as reference_header
from .refpage import verification as verification
from .refs import Ref as Ref
from .refs import type_label as type_label
