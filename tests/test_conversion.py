"""BibTeX to CSL and through citeproc-js, for the conversion defects of issue 21: each row formats a small entry
in the real engine (one engine call per style for the whole module) and holds it against the rule of the manual it
names. The expected strings are written from the manuals' rules; the markup is citeproc-js's HTML."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest

from refkb import bibfile, citations, csl, intext, refs, stylerecords, styles
from refkb.checks.datamodel import BIBLATEX_FIELDS, NOT_PRINTED

BIB = r"""
@article{garcia2021trata,
  author = {García, María},
  title = {Trata de personas en línea},
  titleaddon = {Online human trafficking},
  journaltitle = {Revista de Estudios Sociales},
  volume = {12},
  number = {3},
  pages = {45--67},
  date = {2021},
  langid = {spanish},
}
@book{piaget1966psychologie,
  author = {Piaget, Jean and Inhelder, Bärbel},
  title = {La psychologie de l'enfant},
  titleaddon = {The psychology of the child},
  publisher = {Presses Universitaires de France},
  date = {1966},
  langid = {french},
}
@online{migrantrights2016recruiting,
  author = {{Migrant-Rights.org}},
  title = {Recruiting maids on social media},
  organization = {{Migrant-Rights.org}},
  date = {2016-03-07},
  url = {https://www.migrant-rights.org/2016/03/recruiting/},
  urldate = {2026-12-01},
}
@report{ecpat2022disrupting,
  author = {{ECPAT International} and {INTERPOL} and {UNICEF}},
  title = {Disrupting harm in Kenya},
  type = {Report},
  institution = {{ECPAT International}},
  date = {2022},
}
@report{ilo2021two,
  author = {{International Labour Organization} and {International Organization for Migration}},
  title = {Two organisations},
  type = {Report},
  institution = {{International Labour Organization}},
  date = {2021},
}
@article{busza2023accidental,
  author = {Busza, Joanna},
  title = {Accidental traffickers},
  journaltitle = {Globalization and Health},
  volume = {19},
  number = {1},
  eid = {102},
  date = {2023},
  doi = {10.1186/s12992-023-01005-9},
}
@dataset{iom2017counter,
  author = {{International Organization for Migration}},
  title = {Global dataset},
  date = {2017},
  url = {https://www.ctdatacollaborative.org/global-dataset},
}
@report{europol2020challenges,
  author = {{Europol}},
  title = {The challenges of countering human trafficking in the digital era},
  type = {Report},
  institution = {{Europol}},
  date = {2020-10},
}
@report{europol2020internet,
  author = {{Europol}},
  title = {Internet organised crime threat assessment ({IOCTA}) 2020},
  type = {Threat assessment},
  institution = {{Europol}},
  date = {2020-10-05},
}
"""
ENTRIES = bibfile.parse_text(BIB, "cases.bib").entries
ROMAN = '<span style="font-style:normal;">'
DOI = "https://doi.org/10.1186/s12992-023-01005-9"

# (style, key, the reference-list entry, the rule it follows)
ENTRY_CASES = [
    # Translated titles (titleaddon): the original title, then the translation in square brackets, roman.
    (
        "apa",
        "garcia2021trata",
        "García, M. (2021). Trata de personas en línea [Online human trafficking]. <i>Revista de Estudios "
        "Sociales</i>, <i>12</i>(3), 45–67.",
        "APA 7 9.38 and 10.1: a translated title in square brackets after the title, not italic",
    ),
    (
        "apa",
        "piaget1966psychologie",
        f"Piaget, J., &#38; Inhelder, B. (1966). <i>La psychologie de l’enfant {ROMAN}[The psychology of the "
        "child]</span></i>. Presses Universitaires de France.",
        "APA 7 10.2 (Piaget & Inhelder): the italic title, the bracketed translation roman",
    ),
    (
        "chicago",
        "piaget1966psychologie",
        f"Piaget, Jean, and Bärbel Inhelder. 1966. <i>La psychologie de l’enfant {ROMAN}[The psychology of the "
        "child]</span></i>. Presses Universitaires de France.",
        "CMOS: a French title capitalised in sentence style, its translation in brackets, roman, sentence style",
    ),
    (
        "harvard",
        "piaget1966psychologie",
        f"Piaget, J. and Inhelder, B. (1966) <i>La psychologie de l’enfant {ROMAN}[The psychology of the "
        "child]</span></i>. Presses Universitaires de France.",
        "Cite Them Right: the title in the original language, the English translation in square brackets",
    ),
    (
        "chicago",
        "garcia2021trata",
        "García, María. 2021. “Trata de personas en línea [Online human trafficking].” <i>Revista de Estudios "
        "Sociales</i> 12 (3): 45–67.",
        "CMOS 18: a title in Spanish keeps Spanish capitalisation (sentence case), its translation in brackets",
    ),
    (
        "harvard",
        "garcia2021trata",
        "García, M. (2021) ‘Trata de personas en línea [Online human trafficking]’, <i>Revista de Estudios "
        "Sociales</i>, 12(3), pp. 45–67.",
        "Cite Them Right: the original title, the English translation in square brackets",
    ),
    # A website's name keeps its brace protection when it becomes the container.
    (
        "mla",
        "migrantrights2016recruiting",
        "Migrant-Rights.org. “Recruiting Maids on Social Media.” <i>Migrant-Rights.org</i>, 7 Mar. 2016, "
        "https://www.migrant-rights.org/2016/03/recruiting/.",
        "MLA 9: the title of the website as the site writes its name ({Migrant-Rights.org}, not “Migrant-Rights.Org”)",
    ),
    (
        "chicago",
        "migrantrights2016recruiting",
        "Migrant-Rights.org. 2016. “Recruiting Maids on Social Media.” Migrant-Rights.org, March 7. "
        "https://www.migrant-rights.org/2016/03/recruiting/.",
        "CMOS: a website's name as its owner writes it",
    ),
    # Three group authors: Cite Them Right (its CSL file: delimiter-precedes-last="never"), no comma before "and".
    (
        "harvard",
        "ecpat2022disrupting",
        "ECPAT International, INTERPOL and UNICEF (2022) <i>Disrupting harm in Kenya</i>. Report. ECPAT International.",
        "Cite Them Right: 'Author, Author and Author' (no serial comma)",
    ),
    (
        "apa",
        "ecpat2022disrupting",
        "ECPAT International, INTERPOL, &#38; UNICEF. (2022). <i>Disrupting harm in Kenya</i> [Report].",
        "APA 7 9.8: a comma before the ampersand between three or more authors; 9.24: publisher = author omitted",
    ),
    (
        "mla",
        "ecpat2022disrupting",
        "ECPAT International, et al. <i>Disrupting Harm in Kenya</i>. Report. ECPAT International, 2022.",
        "MLA 9: three or more authors: the first, then 'et al.'",
    ),
    (
        "chicago",
        "ecpat2022disrupting",
        "ECPAT International, INTERPOL, and UNICEF. 2022. <i>Disrupting Harm in Kenya</i>. Report. ECPAT "
        "International.",
        "CMOS 18 (author-date): up to six authors all listed, a serial comma before 'and'",
    ),
    (
        "apa",
        "ilo2021two",
        "International Labour Organization &#38; International Organization for Migration. (2021). <i>Two "
        "organisations</i> [Report].",
        "APA 7 9.8: two names not inverted are joined by the ampersand alone",
    ),
    # An article number (biblatex eid), printed once.
    (
        "apa",
        "busza2023accidental",
        f"Busza, J. (2023). Accidental traffickers. <i>Globalization and Health</i>, <i>19</i>(1), Article 102. {DOI}",
        "APA 7 9.27 and 10.1: 'Article 102' in place of a page range",
    ),
    (
        "mla",
        "busza2023accidental",
        f"Busza, Joanna. “Accidental Traffickers.” <i>Globalization and Health</i>, vol. 19, no. 1, 2023, {DOI}.",
        "MLA 9: Number is volume and issue (no second 'no.'); the DOI is the location",
    ),
    (
        "chicago",
        "busza2023accidental",
        f"Busza, Joanna. 2023. “Accidental Traffickers.” <i>Globalization and Health</i> 19 (1): 102. {DOI}.",
        "CMOS: an article number stands where the page range would",
    ),
    # A data set.
    (
        "apa",
        "iom2017counter",
        "International Organization for Migration. (2017). <i>Global dataset</i> [Data set]. "
        "https://www.ctdatacollaborative.org/global-dataset",
        "APA 7 10.9: the description '[Data set]'",
    ),
    # Year suffixes in the order of the titles, a leading "The" ignored.
    (
        "apa",
        "europol2020challenges",
        "Europol. (2020a). <i>The challenges of countering human trafficking in the digital era</i> [Report].",
        "APA 7 9.47: same author and year, ordered by title ignoring 'The' (challenges < Internet)",
    ),
    (
        "apa",
        "europol2020internet",
        "Europol. (2020b). <i>Internet organised crime threat assessment (IOCTA) 2020</i> [Threat assessment].",
        "APA 7 9.47",
    ),
    (
        "harvard",
        "europol2020internet",
        "Europol (2020b) <i>Internet organised crime threat assessment (IOCTA) 2020</i>. Threat assessment. Europol.",
        "Cite Them Right: same author and year, lettered in the order of the list (titles, 'The' ignored)",
    ),
]
# (style, key, the work's own parenthetical citation, the rule)
INTEXT_CASES = [
    ("harvard", "ecpat2022disrupting", "(ECPAT International, INTERPOL and UNICEF, 2022)", "Cite Them Right"),
    ("apa", "europol2020challenges", "(Europol, 2020a)", "APA 7 9.47"),
    ("chicago", "europol2020internet", "(Europol 2020b)", "CMOS: the letters of the reference list"),
    (
        "mla",
        "europol2020challenges",
        "(Europol, <i>Challenges</i>)",
        "MLA 9: two works by one author: a short title, its first noun phrase without the article",
    ),
    ("mla", "europol2020internet", "(Europol, <i>Internet Organised Crime Threat Assessment</i>)", "MLA 9"),
]


@pytest.fixture(scope="module")
def rendered() -> tuple[styles.Renderer, dict[str, Mapping[str, stylerecords.Rendered]]]:
    renderer = styles.Renderer(None, workers=1)
    return renderer, renderer.render([csl.item(e) for e in ENTRIES])


@pytest.mark.parametrize(("style", "key", "expected", "rule"), ENTRY_CASES)
def test_entries_follow_the_manuals(
    rendered: tuple[styles.Renderer, dict[str, dict[str, stylerecords.Rendered]]],
    style: str,
    key: str,
    expected: str,
    rule: str,
) -> None:
    assert rendered[1][key][style].html == expected, rule


@pytest.mark.parametrize(("style", "key", "expected", "rule"), INTEXT_CASES)
def test_in_text_citations_follow_the_manuals(
    rendered: tuple[styles.Renderer, dict[str, dict[str, stylerecords.Rendered]]],
    style: str,
    key: str,
    expected: str,
    rule: str,
) -> None:
    assert rendered[1][key][style].intext == expected, rule


# (text, style, the citation as the page shows it, less each link's title): every form of citation links its work.
_LINK = '<a class="refkb-cite" href="../../references/{0}/" data-key="{0}">{1}</a>'
LINK_CASES = [
    ("@busza2023accidental", "mla", _LINK.format("busza2023accidental", "Busza")),
    ("[-@busza2023accidental]", "mla", "(" + _LINK.format("busza2023accidental", "Busza") + ")"),
    ("@busza2023accidental", "apa", "Busza (" + _LINK.format("busza2023accidental", "2023") + ")"),
    ("[-@busza2023accidental]", "apa", "(" + _LINK.format("busza2023accidental", "2023") + ")"),
    (
        "@europol2020challenges",
        "mla",
        "Europol (" + _LINK.format("europol2020challenges", "<i>Challenges</i>") + ")",
    ),
]


@pytest.mark.parametrize(("text", "style", "expected"), LINK_CASES)
def test_every_citation_form_links_its_work(
    rendered: tuple[styles.Renderer, dict[str, dict[str, stylerecords.Rendered]]], text: str, style: str, expected: str
) -> None:
    renderer, out = rendered
    works = {e.key: refs.Ref(e, csl.item(e), out[e.key]) for e in ENTRIES}
    citation = next(iter(citations.find(text)))
    shown = str(intext.intext(citation, works, style, "topics/x/", renderer.cluster))
    assert re.sub(r' title="[^"]*"', "", shown) == f'<span class="refkb-citation">{expected}</span>'


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("The double vision of Star Trek: Half-humans, evil twins", "double vision"),  # MLA 9's own example
        ("On-ramps, intersections, and exit routes", "On-ramps"),
        ("Internet organised crime threat assessment (IOCTA) 2020", "Internet organised crime threat assessment"),
        ('Recruiting "maids" on social media', 'Recruiting "maids"'),
        ('<span class="nocase">FOSTA</span> and sex work', '<span class="nocase">FOSTA</span>'),
        ('Trata de personas <span class="nodecor">[Trafficking in persons]</span>', "Trata de personas"),
        ("Sexting", "Sexting"),
        ("In the shadows", "In the shadows"),
    ],
)
def test_short_titles_are_the_first_noun_phrase(title: str, short: str) -> None:
    assert csl.short_title(title) == short


# A value for each field refkb carries, with the entry type that reads it.
_CARRIED_VALUES = {
    "journal": ("article", "Journal"),
    "entrysubtype": ("article", "newspaper"),
    "issue": ("article", "Spring"),
    "eid": ("article", "e12"),
    "booktitle": ("incollection", "Book"),
    "maintitle": ("incollection", "Volumes"),
    "school": ("thesis", "University"),
    "howpublished": ("misc", "Privately printed"),
    "organization": ("online", "Site"),
    "year": ("misc", "2020"),
    "month": ("misc", "5"),
    "date": ("misc", "2020"),
    "urldate": ("misc", "2020-01-02"),
    "eventdate": ("misc", "2020-01-02"),
    "url": ("misc", "https://example.org/"),
    "doi": ("misc", "10.1000/x"),
    "author": ("misc", "Doe, Jane"),
    "editor": ("misc", "Doe, Jane"),
    "translator": ("misc", "Doe, Jane"),
    "type": ("report", "Working paper"),
}


@pytest.mark.parametrize("field", sorted(csl.CARRIED))
def test_every_carried_field_reaches_the_csl_item(field: str) -> None:
    kind, value = _CARRIED_VALUES.get(field, ("misc", "Some value"))
    base = ("" if field == "title" else "  title = {A title},\n") + ("  year = {2019},\n" if field == "month" else "")
    without = bibfile.parse_text(f"@{kind}{{k,\n{base}}}\n", "t.bib").entries[0]
    with_field = bibfile.parse_text(f"@{kind}{{k,\n{base}  {field} = {{{value}}},\n}}\n", "t.bib").entries[0]
    assert csl.item(with_field) != csl.item(without)


def test_the_field_lists_agree() -> None:
    """Every carried field is a biblatex field (BibTeX's aliases included) and none is listed as printing nothing."""
    assert csl.CARRIED <= BIBLATEX_FIELDS
    assert not csl.CARRIED & NOT_PRINTED


@pytest.mark.parametrize(
    ("kind", "short"),
    [("report", "Allow States"), ("legislation", None)],  # APA 7 11.5: a law is cited by its name
)
def test_a_law_keeps_its_name_in_citations(kind: str, short: str | None) -> None:
    item = {"id": "k", "type": kind, "title": "Allow States and Victims to Fight Online Sex Trafficking Act of 2017"}
    assert csl.engine_item(item).get("title-short") == short


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # a court decision's court is CSL's authority ("(1st Cir. 2016)", APA 7 11.4), never a publisher
        (
            "@jurisdiction{k, title = {Doe v. Roe}, journaltitle = {F.3d}, institution = {1st Cir.}}",
            {"type": "legal_case", "authority": "1st Cir."},
        ),
        # an arXiv preprint: CSL's article, its identifier, the archive as publisher and biblatex's link
        (
            "@misc{k, title = {T}, eprint = {1805.10617}, eprinttype = {arXiv}}",
            {
                "type": "article",
                "number": "arXiv:1805.10617",
                "publisher": "arXiv",
                "URL": "https://arxiv.org/abs/1805.10617",
            },
        ),
        # the preprint published in a journal is the journal's article; another archive's eprint is not carried
        (
            "@article{k, title = {T}, journaltitle = {J}, eprint = {1805.10617}, eprinttype = {arxiv}}",
            {"type": "article-journal", "publisher": None, "number": None},
        ),
        ("@misc{k, title = {T}, eprint = {12345}, eprinttype = {jstor}}", {"type": "document", "number": None}),
        # a podcast episode is CSL 1.0.2's broadcast, its type the genre; an author of authortype host is also the
        # host (the glue labels the name in APA and Chicago); other audio stays a document, another authortype adds
        # no host
        (
            "@audio{k, author = {Goldstein, Leila}, authortype = {host}, title = {T}, type = {Audio podcast episode}}",
            {
                "type": "broadcast",
                "genre": "Audio podcast episode",
                "host": [{"family": "Goldstein", "given": "Leila"}],
            },
        ),
        ("@audio{k, author = {A, B}, title = {T}}", {"type": "document", "host": None}),
        ("@audio{k, author = {A, B}, authortype = {anon}, title = {T}}", {"type": "document", "host": None}),
    ],
)
def test_courts_and_preprints_reach_the_csl_item(fields: str, expected: dict[str, str | None]) -> None:
    item = csl.item(bibfile.parse_text(fields + "\n", "t.bib").entries[0])
    assert {k: item.get(k) for k in expected} == expected
