"""BibTeX entries as CSL-JSON items (the input of citeproc-py, pandoc and Zotero), and TeX as plain text.

citeproc-py's own BibTeX reader crashes on `@online`, so the conversion is ours: corporate authors become literal
names, `urldate` becomes `accessed`, `institution` the publisher of a report, `number` a report number or UN
document symbol, `type` the genre.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from pylatexenc.latex2text import LatexNodes2Text

from . import bibfile
from .bibfile import MONTHS
from .model import Entry, Person
from .values import DOI, DOI_PREFIX, split_names, url_problem, url_value

CslItem = dict[str, Any]

TYPES = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "incollection": "chapter",
    "inreference": "entry-encyclopedia",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "collection": "book",
    "report": "report",
    "techreport": "report",
    "thesis": "thesis",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "online": "webpage",
    "www": "webpage",
    "electronic": "webpage",
    "legislation": "legislation",
    "legal": "legal_case",
    "jurisdiction": "legal_case",
    "dataset": "dataset",
    "software": "software",
    "manual": "report",
    "booklet": "pamphlet",
    "patent": "patent",
    "unpublished": "manuscript",
    "periodical": "periodical",
    "misc": "document",
}
# biblatex's thesis types as the genre the styles print (APA 7 10.6: "[Doctoral dissertation, University]").
THESIS_TYPES = {"phdthesis": "Doctoral dissertation", "mastersthesis": "Master’s thesis"}
# A UN document symbol (A/RES/64/293, S/2020/1) marks a resolution or document of a UN organ, which the styles
# format like a report with its number; CSL's "legislation" would print it as a US public law ("Pub. L. No.").
UN_SYMBOL = re.compile(r"^[A-Z]{1,3}/(?:[A-Z0-9.]+/)*[A-Z0-9.]+$")

# biblatex's language names (babel/polyglossia) as the BCP 47 tags CSL and Zotero expect.
LANGUAGES = {
    "english": "en",
    "american": "en-US",
    "british": "en-GB",
    "spanish": "es",
    "french": "fr",
    "german": "de",
    "portuguese": "pt",
    "italian": "it",
    "dutch": "nl",
}
_TEX = re.compile(r"[\\{}$~]")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)|(?<=\w)'(?=\s|$)|(?<=\s)'(?=\d\d\b)|^'(?=\d\d\b)")
_VERBATIM_VARS = frozenset({"id", "type", "URL", "DOI", "ISBN", "ISSN"})
# Quotation marks inside a value are stored as neutral marks; the style decides which marks they become (double
# or single, by locale and by nesting inside the style's own quotation marks).
QUOTE_OPEN, QUOTE_CLOSE = "\ue010", "\ue011"
_TEX_QUOTES = (("``", QUOTE_OPEN), ("''", QUOTE_CLOSE), ("“", QUOTE_OPEN), ("”", QUOTE_CLOSE))
_STRAIGHT_QUOTES = re.compile(r'(?<![\w])"(?=\S)(.*?)(?<=\S)"(?!\w)')
# A pair of typographic single quotation marks around words ('‘hunting grounds’') is a quotation too, which the
# style localises (APA, a US style: “hunting grounds”); a ’ inside a word (an apostrophe: "Else’s") is not one.
_SINGLE_QUOTES = re.compile(r"(?<![\w’])‘(?=\S)([^‘’]*?(?:\w’\w[^‘’]*?)*)(?<=\S)’(?![\w])")
_LATEX = LatexNodes2Text(math_mode="verbatim", keep_braced_groups=False, strict_latex_spaces=True)


def _words(text: str) -> frozenset[str]:
    """The words of `text` (a list of names written as one string)."""
    return frozenset(text.split())


@functools.lru_cache(maxsize=8192)
def plain(value: str) -> str:
    """A field's value as plain Unicode text: TeX accents and escapes decoded, braces dropped, spaces folded.
    Only values that hold TeX are decoded (the decoder costs ~20x a parse)."""
    for tex, mark in _TEX_QUOTES:
        value = value.replace(tex, mark)
    value = _STRAIGHT_QUOTES.sub(rf"{QUOTE_OPEN}\1{QUOTE_CLOSE}", value)
    value = _SINGLE_QUOTES.sub(rf"{QUOTE_OPEN}\1{QUOTE_CLOSE}", value)
    if "--" in value:  # TeX's dash ligatures, as BibTeX, biblatex and pandoc read them
        value = value.replace("---", "—").replace("--", "–")
    if _TEX.search(value):
        try:
            value = _LATEX.latex_to_text(value)
        except Exception:  # pylatexenc rejects some malformed TeX; fall back to dropping the markup
            value = re.sub(r"\\([&%$#_{}~])", r"\1", value).replace("{", "").replace("}", "")
    return " ".join(value.split())


def display(value: str) -> str:
    """A plain value for showing outside a citation: neutral quotation marks as double quotes, no CSL markup."""
    return NOCASE_TAG.sub("", value).replace(QUOTE_OPEN, "“").replace(QUOTE_CLOSE, "”")


# Brace protection as CSL-JSON writes it (biblatex and pandoc honour `{FOSTA}` the same way): citeproc-js, pandoc and
# Zotero read `<span class="nocase">` and leave the words inside as they are when a style changes the case.
NOCASE_OPEN, NOCASE_CLOSE = '<span class="nocase">', "</span>"
# A translated title, roman whatever the style does to the title around it (citeproc-js and pandoc read "nodecor").
NODECOR_OPEN = '<span class="nodecor">'
NOCASE_TAG = re.compile(r'<span class="(?:nocase|nodecor)">|</span>')
_CASE_FIELDS = ("title", "subtitle", "journaltitle", "journal", "booktitle", "maintitle", "series")


def protected(value: str) -> str:
    """A title as CSL-JSON: plain text, with each brace group at the top level (`{FOSTA}`, `{United Nations}`) kept
    as a nocase span; a TeX command's argument (`\\emph{x}`) is not a protected group."""
    if "{" not in value:
        return plain(value)
    marked: list[str] = []
    depth = 0
    protecting = False
    for i, ch in enumerate(value):
        escaped = i > 0 and value[i - 1] == "\\"
        if ch == "{" and not escaped:
            if depth == 0:
                protecting = not re.search(r"\\[A-Za-z]+\s*$", value[:i])
                if protecting:
                    marked.append(_GROUP_OPEN)
                    depth += 1
                    continue
            depth += 1
        elif ch == "}" and not escaped and depth:
            depth -= 1
            if depth == 0 and protecting:
                marked.append(_GROUP_CLOSE)
                protecting = False
                continue
        marked.append(ch)
    text = plain("".join(marked))
    return text.replace(_GROUP_OPEN, NOCASE_OPEN).replace(_GROUP_CLOSE, NOCASE_CLOSE)


_GROUP_OPEN, _GROUP_CLOSE = "\ue030", "\ue031"


def typographic(text: str) -> str:
    """Straight apostrophes as typographic ones (’), as citeproc-js and pandoc print them."""
    return _APOSTROPHE.sub("’", text)


@functools.lru_cache(maxsize=1 << 15)
def people(value: str) -> tuple[Person, ...]:
    """A name list as `Person`s. `{{Corporate Name}}` stays whole; names are split before TeX is decoded. Kept by
    value (50 µs a list to parse; a build asks for each entry's names three or four times, the checks, its CSL item,
    its byline, and `mkdocs serve` asks again for every entry at every save): the `Person`s are frozen."""
    out = []
    for raw in split_names(" ".join(value.split())):
        name = raw.strip()
        if name.startswith("{") and name.endswith("}") and _balanced_outer(name):
            out.append(Person(family=plain(name[1:-1]), corporate=True))
            continue
        try:
            parts = bibfile.name_parts(name)
        except bibfile.BadName:
            out.append(Person(family=plain(name), corporate=True))
            continue
        out.append(
            Person(
                family=plain(" ".join(parts.last)),
                given=plain(" ".join(parts.first)),
                prefix=plain(" ".join(parts.von)),
                suffix=plain(" ".join(parts.jr)),
            )
        )
    return tuple(out)


def _unbrace(name: str) -> str:
    name = name.strip()
    return name[1:-1] if name.startswith("{") and name.endswith("}") and _balanced_outer(name) else name


def _balanced_outer(name: str) -> bool:
    """True when the first '{' closes at the last character: `{Office of X} and {Y}` is two groups, not one."""
    depth = 0
    for i, ch in enumerate(name):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and i < len(name) - 1:
            return False
    return True


def _csl_name(p: Person) -> dict[str, str]:
    if p.corporate:
        return {"literal": p.family}
    name = {"family": p.family, "given": p.given}
    if p.prefix:
        name["non-dropping-particle"] = p.prefix
    if p.suffix:
        name["suffix"] = p.suffix
    return {k: v for k, v in name.items() if v}


def date_parts(value: str) -> list[list[int]] | None:
    """'2018-07-12' -> [[2018, 7, 12]]; a range '2010/2012' -> [[2010], [2012]]; anything else -> None."""
    out = []
    for part in value.strip().split("/")[:2]:
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", part.strip())
        if not m:
            return None
        out.append([int(x) for x in m.groups() if x])
    return out or None


def issued(entry: Entry) -> list[list[int]] | None:
    if entry.value("date"):
        return date_parts(entry.value("date"))
    year = entry.value("year").strip()
    if not re.fullmatch(r"\d{4}", year):
        return None
    parts = [int(year)]
    month = entry.value("month").strip().lower()[:3]
    months = list(MONTHS)
    if month in months:
        parts.append(months.index(month) + 1)
    elif month.isdigit() and 1 <= int(month) <= 12:
        parts.append(int(month))
    return [parts]


def year_of(entry: Entry) -> str:
    """The year as cited: four digits, or '' when the entry is undated."""
    parts = issued(entry)
    return str(parts[0][0]) if parts else ""


def doi_of(entry: Entry) -> str:
    """The entry's DOI when it is valid, without resolver prefix; '' otherwise."""
    doi = DOI_PREFIX.sub("", entry.value("doi").strip())
    return doi if DOI.match(doi) and not re.search(r"[\"'<>\\{}\s]", doi) else ""


def link_of(entry: Entry, field: str = "url") -> str:
    """A URL field's value when it is a safe http(s) link; '' otherwise (never `javascript:` and the like)."""
    value = entry.value(field).strip()
    return url_value(value) if value and not url_problem(value) else ""


def item(entry: Entry) -> CslItem:
    """The CSL-JSON item of one entry: its type, then each group of variables in turn (the order of the item's keys
    is the order of the steps)."""
    csl: CslItem = {"id": entry.key, "type": _csl_type(entry)}
    for step in _ITEM_STEPS:
        step(entry, csl)
    typeset: CslItem = map_strings(csl, typographic, skip=_VERBATIM_VARS)
    return typeset


def _csl_type(entry: Entry) -> str:
    """The CSL type: a newspaper or magazine piece is not a journal article, and a UN document with its symbol is
    a report, not legislation."""
    e = entry.value
    kind = TYPES.get(entry.type, "document")
    if kind == "article-journal" and e("entrysubtype").strip() in ("newspaper", "magazine"):
        return f"article-{e('entrysubtype').strip()}"
    if kind == "legislation" and UN_SYMBOL.match(plain(e("number"))):
        return "report"
    if _arxiv(entry) and not e("journaltitle") and kind in ("webpage", "document", "manuscript", "article-journal"):
        return "article"  # a preprint (CSL's "article"), not yet an article in a journal
    if entry.type == "audio" and "podcast" in plain(e("type")).lower():
        return "broadcast"  # CSL 1.0.2: an episode of a radio, television or podcast series
    return kind


def _arxiv(entry: Entry) -> str:
    """The arXiv identifier of a biblatex `eprint` with `eprinttype = {arxiv}`, or ""."""
    if entry.value("eprinttype").strip().lower() != "arxiv":
        return ""
    return plain(entry.value("eprint")).strip()


def _names(entry: Entry, csl: CslItem) -> None:
    """Authors, editors and translators; an author whose biblatex `authortype` is `host` (a podcast's host) is also
    CSL 1.0.2's host, which the styles label ("(Host)", "host") where they print a host (refkb's citeproc glue)."""
    for field in ("author", "editor", "translator"):
        if entry.value(field):
            csl[field] = [_csl_name(p) for p in people(entry.value(field))]
    if _hosted(entry) and "author" in csl:
        csl["host"] = [dict(n) for n in csl["author"]]


def _hosted(entry: Entry) -> bool:
    return entry.value("authortype").strip().lower() == "host"


def _titles(entry: Entry, csl: CslItem) -> None:
    """Title and subtitle, with `titleaddon` as the title's translation in square brackets (APA 7 9.38; MLA,
    Chicago and Cite Them Right alike), roman in every style; containers keep their brace protection."""
    e = entry.value
    title = protected(e("title"))
    if e("subtitle"):
        title = f"{title}: {protected(e('subtitle'))}"
    if title and e("titleaddon").strip():
        title = f"{title} {translation(e('titleaddon'))}"
    if title:
        csl["title"] = title
    if e("shorttitle"):
        csl["title-short"] = protected(e("shorttitle"))
    container = e("journaltitle") or e("journal") or e("booktitle") or e("maintitle")
    if container:
        csl["container-title"] = protected(container)
    if e("series"):
        csl["collection-title"] = protected(e("series"))


def translation(value: str) -> str:
    """A `titleaddon` (the English translation of a title in another language, written without brackets; brackets
    written anyway are not doubled) as CSL-JSON rich text: `<span class="nodecor">[Translation]</span>`."""
    text = protected(value).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    return f"{NODECOR_OPEN}[{text}]{NOCASE_CLOSE}"


def _publication(entry: Entry, csl: CslItem) -> None:
    """Publisher and place, and biblatex's event fields (a conference paper's meeting), as pandoc and Zotero map
    them."""
    e = entry.value
    if csl["type"] == "legal_case" and e("institution"):
        # A court decision's court (biblatex has no court field; refkb reads @jurisdiction's institution as it):
        # CSL's authority, "(1st Cir. 2016)" in APA 7 11.4 and Chicago; never a publisher.
        csl["authority"] = plain(_unbrace(e("institution")))
        return
    # A web page's organisation is the website (its container), not a publisher: APA would print it twice.
    webpage = csl["type"] == "webpage"
    publisher = e("publisher") or e("institution") or ("" if webpage else e("organization")) or e("school")
    if not publisher and not _HOWPUBLISHED_URL.match(e("howpublished").strip()):
        publisher = e("howpublished")  # BibTeX's @misc: who or how it was published (pandoc reads it so too)
    if publisher:
        # biblatex reads publisher/institution as a list ("A and B"); each is an organisation, never a person.
        csl["publisher"] = "; ".join(plain(_unbrace(p)) for p in split_names(" ".join(publisher.split())))
    place = e("location") or e("address")
    if place:
        csl["publisher-place"] = plain(place)
    if e("eventtitle"):
        csl["event-title"] = protected(e("eventtitle"))
    if e("venue"):
        csl["event-place"] = plain(e("venue"))
    if e("eventdate") and date_parts(e("eventdate")):
        csl["event-date"] = {"date-parts": date_parts(e("eventdate"))}


def _dates(entry: Entry, csl: CslItem) -> None:
    dates = issued(entry)
    if dates:
        csl["issued"] = {"date-parts": dates}
    accessed = date_parts(entry.value("urldate")) if entry.value("urldate") else None
    if accessed:
        csl["accessed"] = {"date-parts": accessed}


_PLAIN_VARS = (
    ("volume", "volume"),
    ("edition", "edition"),
    ("isbn", "ISBN"),
    ("issn", "ISSN"),
    ("version", "version"),
    ("abstract", "abstract"),
    ("note", "note"),
)


def _plain_fields(entry: Entry, csl: CslItem) -> None:
    """Fields copied as plain text, pages with an en dash, and the fields the styles can print or that reference
    managers keep (exports.py writes them to RIS and BibTeX too)."""
    e = entry.value
    for field, var in _PLAIN_VARS:
        if e(field):
            csl[var] = plain(e(field))
    if e("pages"):
        csl["page"] = plain(e("pages")).replace("--", "–")
    if e("pagetotal"):
        csl["number-of-pages"] = plain(e("pagetotal"))
    if e("langid") or e("language"):
        lang = plain(e("langid") or e("language")).strip()
        csl["language"] = LANGUAGES.get(lang.lower(), lang)
    if e("keywords"):
        csl["keyword"] = ", ".join(k.strip() for k in plain(e("keywords")).split(",") if k.strip())


def _numbers(entry: Entry, csl: CslItem) -> None:
    """Issue, number, number in a series, article number and genre (a report's or thesis's type)."""
    e = entry.value
    periodical = csl["type"] in ("article-journal", "article-magazine", "article-newspaper")
    if e("number"):
        # A journal's issue; for a report, legislation or document: its number or document symbol.
        csl["issue" if periodical else "number"] = plain(e("number"))
    if e("issue"):
        csl["issue"] = plain(e("issue"))
    if e("series") and e("number") and csl["type"] in ("book", "chapter", "paper-conference"):
        # biblatex's number of a book (or a part of one) in a series is its number in the series.
        csl["collection-number"] = csl.pop("number")
    if e("eid"):
        # biblatex's eid is an article number (PLOS ONE's e0273708): CSL's `number` for a journal article.
        csl["number"] = plain(e("eid"))
    if csl["type"] == "article" and _arxiv(entry):
        # A preprint's archive and its identifier (APA 7 10.8: "(arXiv:1805.10617). arXiv."), unless given.
        csl.setdefault("number", f"arXiv:{_arxiv(entry)}")
        csl.setdefault("publisher", "arXiv")
    if e("type") and csl["type"] in ("report", "thesis", "document", "legislation", "webpage", "broadcast"):
        csl["genre"] = THESIS_TYPES.get(e("type").strip().lower(), plain(e("type")))
    elif csl["type"] == "thesis" and entry.type in ("phdthesis", "mastersthesis"):
        csl["genre"] = THESIS_TYPES[entry.type]


_HOWPUBLISHED_URL = re.compile(r"^\\url\{([^{}]*)\}$")


def _links(entry: Entry, csl: CslItem) -> None:
    """DOI and URL (BibTeX's `howpublished = {\\url{…}}` is the URL of an entry without one), and a web page's
    website."""
    if doi_of(entry):
        csl["DOI"] = doi_of(entry)
    if link_of(entry):
        csl["URL"] = link_of(entry)
    elif _arxiv(entry) and "DOI" not in csl:
        csl["URL"] = f"https://arxiv.org/abs/{_arxiv(entry)}"  # the link biblatex prints for the eprint
    else:
        m = _HOWPUBLISHED_URL.match(entry.value("howpublished").strip())
        link = url_value(m.group(1).strip()) if m and not url_problem(m.group(1).strip()) else ""
        if link:
            csl["URL"] = link
    if csl["type"] == "webpage" and "container-title" not in csl and entry.value("organization"):
        csl["container-title"] = protected(entry.value("organization"))


# The biblatex fields the steps of `item` read: the fields a citation carries (checks.entries warns, with
# `field-not-carried`, on any other field of biblatex's data model that prints in biblatex's styles).
CARRIED = _words(
    """author editor translator title subtitle titleaddon shorttitle journaltitle journal booktitle maintitle series
    publisher institution organization school location address eventtitle venue eventdate date year month urldate
    volume edition isbn issn version abstract note pages pagetotal langid language keywords number issue eid type
    entrysubtype doi url howpublished"""
)


def carried(entry: Entry, field: str) -> bool:
    """Whether `field` of `entry` reaches its citation: a field of CARRIED, an arXiv preprint's eprint and
    eprinttype (another archive's eprint is not carried), or an authortype of `host`."""
    return (
        field in CARRIED
        or (field in ("eprint", "eprinttype") and bool(_arxiv(entry)))
        or (field == "authortype" and _hosted(entry))
    )


# The steps of `item`, in the order their variables are written.
_ITEM_STEPS: tuple[Callable[[Entry, CslItem], None], ...] = (
    _names,
    _titles,
    _publication,
    _dates,
    _plain_fields,
    _numbers,
    _links,
)


def map_strings(value: Any, fn: Callable[[str], str], skip: frozenset[str] = frozenset()) -> Any:
    """`value` (a CSL item, or any JSON-like part of one) with `fn` applied to every string, except under the
    top-level keys in `skip`."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: v if k in skip else map_strings(v, fn) for k, v in value.items()}
    return value


def public(item: CslItem) -> CslItem:
    """An item as people read it: neutral quotation marks as typographic double quotes, no CSL markup."""
    shown: CslItem = map_strings(item, display)
    return shown


def _quotes(value: str) -> str:
    return value.replace(QUOTE_OPEN, "“").replace(QUOTE_CLOSE, "”")


def exported(item: CslItem) -> CslItem:
    """An item as CSL-JSON for other programs (Zotero, pandoc, citeproc-js): typographic quotation marks, brace
    protection kept as nocase spans."""
    out: CslItem = map_strings(item, _quotes)
    return out


# A number with a hyphen that is not a range (a public law 115-164, a document symbol): CSL engines read "115-164"
# as a range ("Pub. L. Nos. 115–164") unless the hyphen is escaped.
_NAME_VARS = ("author", "editor", "translator", "container-author", "collection-editor", "host")
_NOT_RANGE = {"legislation", "bill", "report", "document", "webpage", "dataset"}


def _straight(value: str) -> str:
    return value.replace(QUOTE_OPEN, '"').replace(QUOTE_CLOSE, '"')


# MLA 9 shortens a title in an in-text citation to its first noun phrase ("Double Vision" for "The Double Vision of
# Star Trek: Half-Humans, Evil Twins, and Science Fiction"). refkb's rule, kept simple: the title before its
# subtitle (":", "?", "!", " - "), without a leading "A", "An" or "The", cut before the first word below or the
# first ",", ";" or "(" — at least one word is kept. An entry's own `shorttitle` wins.
_SHORT_STOP = _words(
    "of in on for and or but to with from during between through by at against across about among into after before "
    "under over via versus vs. as is are was were how why what when where who which that"
)
# A law keeps its name in an in-text citation (APA 7 11.5: "(Americans With Disabilities Act, 1990)").
_LEGAL = frozenset({"legislation", "bill", "legal_case", "treaty", "regulation", "hearing"})
_SUBTITLE = re.compile(r"[:?!]|\s[-–—]\s")


def short_title(title: str) -> str:
    """The title as MLA's in-text citations shorten it (the rule above); CSL rich text (nocase spans) kept whole."""
    main = _SUBTITLE.split(title.split(NODECOR_OPEN)[0], maxsplit=1)[0].strip()
    words = main.replace("<span class=", "<span\x00class=").split()
    if len(words) > 1 and NOCASE_TAG.sub("", words[0]).lower() in ("a", "an", "the"):
        words = words[1:]
    kept: list[str] = []
    for word in words:
        bare = NOCASE_TAG.sub("", word)
        if kept and bare.lower() in _SHORT_STOP:
            break
        cut = re.search(r"[,;]|\(", bare)
        if cut and not kept and cut.start() == 0:
            break
        kept.append(word)
        if cut:
            kept[-1] = _cut_at(word, cut.group(0))
            break
    text = " ".join(kept).replace("\x00", " ")
    opened = text.count("<span ") - text.count("</span>")
    return (text + NOCASE_CLOSE * max(opened, 0)).strip() or title


def _cut_at(word: str, mark: str) -> str:
    """`word` up to `mark` outside markup (a title's word with its punctuation: "On-ramps," -> "On-ramps")."""
    at = NOCASE_TAG.sub(lambda m: "\x01" * len(m.group(0)), word).find(mark)
    return word[:at] if at >= 0 else word


def engine_item(item: CslItem) -> CslItem:
    """An item as the CSL engine takes it: CSL-JSON, with a hyphen in a statute's or report's number escaped, and
    quotation marks inside values straight, which citeproc-js localises by the style's locale and nesting (“…” in
    US styles and ‘…’ inside the style's own quotation marks; ‘…’ in British ones)."""
    out: CslItem = map_strings(item, _straight)
    if isinstance(out.get("title"), str) and "title-short" not in out and out.get("type") not in _LEGAL:
        out["title-short"] = short_title(out["title"])
    # Names arrive split (particles included, by biblatex's rules): citeproc-js must not split them again, or it
    # reads a lower-case given name ("danah") as a particle and cannot initialise it ("boyd, d.").
    for var in _NAME_VARS:
        if var in out:
            out[var] = [n if "literal" in n else {**n, "parse-names": False} for n in out[var]]
    if out.get("type") in _NOT_RANGE and "-" in str(out.get("number", "")):
        out["number"] = str(out["number"]).replace("-", "\\-")
    return out
