"""Hosts that a record's `url` must not point to, each with its reason: the one list refkb keeps.

- `mirror`: a copy of someone else's work (document-sharing sites, aggregators, repositories of reposts), a
  development server or a library proxy. The copy may be where a maintainer read the work — then it belongs in the
  annotation's `verified_at` — but `url` is the issuing body's own page or the DOI. `refkb validate` warns.
- `low-trust`: scraper, spam and document-dump sites, test servers and adult-industry sites: worse than a mirror,
  since what they serve may be altered or wrapped in unrelated content. In `url` they are mirrors (`mirror-url`); in
  `verified_at` an unmarked link is a `low-trust-host` warning — the issuer's stored page is linked instead, or the
  copy is kept as `{url: …, note: …}` saying why.
- `piracy`: sites that distribute works without the rights holder's permission. Never linked anywhere, not even in
  `verified_at`. `refkb validate` refuses them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Host:
    name: str  # the registered domain; sub-domains match too
    kind: str  # "mirror", "low-trust" or "piracy"
    reason: str


HOSTS: tuple[Host, ...] = (
    Host("scribd.com", "mirror", "a document-sharing site: uploads by third parties"),
    Host("docslib.org", "low-trust", "a document aggregator: copies of other publishers' files"),
    Host("readkong.com", "low-trust", "a document aggregator: copies of other publishers' files"),
    Host("documents.pub", "mirror", "a document aggregator"),
    Host("dokumen.pub", "mirror", "a document aggregator"),
    Host("pdfcoffee.com", "mirror", "a document aggregator"),
    Host("studylib.net", "low-trust", "a document aggregator"),
    Host("yumpu.com", "mirror", "a document aggregator"),
    Host("issuu.com", "mirror", "a publishing platform; link the issuing body's own page instead"),
    Host("researchgate.net", "mirror", "an academic social network: author uploads, not the publisher's page"),
    Host("academia.edu", "mirror", "an academic social network: author uploads, not the publisher's page"),
    Host("semanticscholar.org", "mirror", "a search engine's record, not the publisher's page"),
    Host("hsdl.org", "mirror", "a library's copy of a government document"),
    Host("humantraffickingsearch.org", "mirror", "a repost of other organisations' reports"),
    Host("esem.org.mk", "mirror", "a third party's copy of a government report"),
    Host("business-humanrights.org", "mirror", "a repost of a company's press feature"),
    Host("drugsandalcohol.ie", "mirror", "a library's copy of an intergovernmental report"),
    Host("ai-bt.com", "low-trust", "an aggregator of PubMed records"),
    Host("1library.net", "mirror", "a document aggregator: copies of other publishers' files"),
    Host("www-dev.isi.edu", "low-trust", "a development server: not the published page"),
    Host("localhost", "low-trust", "a development server: not the published page"),
    Host("dokumen.tips", "low-trust", "a document-dump site: uploads scraped from other publishers"),
    Host("vdocuments.net", "low-trust", "a document-dump site: uploads scraped from other publishers"),
    Host("vdocuments.mx", "low-trust", "a document-dump site: uploads scraped from other publishers"),
    Host("fdocuments.in", "low-trust", "a document-dump site: uploads scraped from other publishers"),
    Host("pdfslide.net", "low-trust", "a document-dump site: uploads scraped from other publishers"),
    Host("kupdf.net", "low-trust", "a document-dump site: uploads scraped from other publishers"),
    Host("ezproxy", "mirror", "a library proxy: readers outside the library cannot open it"),
    Host("idm.oclc.org", "mirror", "a library proxy: readers outside the library cannot open it"),
    Host("sambuz.com", "low-trust", "a document-dump site: uploads scraped from other publishers"),
    Host("ipoipo.cn", "low-trust", "a document-sharing site: uploads of other publishers' files"),
    Host("docsbay.net", "low-trust", "a document-dump site"),
    Host("vdocuments.site", "low-trust", "a document-dump site"),
    Host("documentine.com", "low-trust", "a document-dump site"),
    Host("eccportal.net", "low-trust", "a document-dump site"),
    Host("preview.concepedia.online", "low-trust", "a preview (test) server of a paper aggregator"),
    Host("researchportaltest.northumbria.ac.uk", "low-trust", "a test server of a university repository"),
    Host("cricutcom-setup.com", "low-trust", "a spam domain serving copies of other sites' pages"),
    Host("avalancheghost.one", "low-trust", "a spam domain serving copies of other sites' articles"),
    Host("canadapharmacywtrw.com", "low-trust", "a pharmacy-spam domain serving copies of articles"),
    Host("ustaliy.fun", "low-trust", "a scraper of PubMed Central articles"),
    Host("thenewscare.com", "low-trust", "a news scraper: copies of other outlets' stories"),
    Host("ohtldr.com", "low-trust", "a summary aggregator: rewrites of other sites' pages"),
    Host("tomesphere.com", "low-trust", "an AI summary site: rewrites of papers, not the papers"),
    Host("pod.wave.co", "low-trust", "an AI podcast-summary aggregator"),
    Host("the360mag.com", "low-trust", "a third-party reproduction of publishers' blurbs"),
    Host("x-mol.com", "low-trust", "a scraper index of publishers' article pages"),
    Host("globalauthorid.com", "low-trust", "a metadata aggregator"),
    Host("menafn.com", "low-trust", "a news-syndication aggregator"),
    Host("timesofgeorgia.co.nz", "low-trust", "a content-aggregation news site"),
    Host("daily8.com", "low-trust", "a news aggregator"),
    Host("opiniguru.com", "low-trust", "a blog republishing wire copy"),
    Host("operationcleanrecovery.com", "low-trust", "a blog republishing news"),
    Host("bozhua.cn", "low-trust", "an aggregator reposting other organisations' releases"),
    Host("xbiz.com", "low-trust", "an adult-industry trade site"),
    Host("oszar.com", "piracy", "a web proxy that re-serves other sites' pages"),
    Host("mooo.com", "piracy", "a web proxy that re-serves other sites' pages"),
    Host("sci-hub", "piracy", "distributes articles without the publishers' permission"),
    Host("libgen", "piracy", "distributes books and articles without the rights holders' permission"),
    Host("library.lol", "piracy", "a Library Genesis mirror"),
    Host("z-lib", "piracy", "Z-Library: distributes books without the rights holders' permission"),
    Host("zlibrary", "piracy", "Z-Library: distributes books without the rights holders' permission"),
    Host("z-library", "piracy", "Z-Library: distributes books without the rights holders' permission"),
    Host("1lib.sk", "piracy", "a Z-Library mirror"),
    Host("annas-archive", "piracy", "a shadow library"),
    Host("pdfdrive.com", "piracy", "distributes books without the rights holders' permission"),
    Host("sitiosdesbloqueados.org", "piracy", "a web proxy that re-serves other sites' pages"),
    Host("documentaryheaven.com", "piracy", "re-hosts documentaries without their broadcasters"),
)

_LABEL = re.compile(r"[a-z0-9-]+")


def host_of(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def classify(url: str) -> Host | None:
    """The listed host a URL points to, if any. A name with a dot matches the domain and its sub-domains; a bare
    label (`sci-hub`, `ezproxy`) matches any host that has it as one of its labels (`sci-hub.se`,
    `ezproxy.lib.example.edu`), whatever the top-level domain the site moved to."""
    host = host_of(url)
    return _listed(host) if host else None


@functools.lru_cache(maxsize=8192)
def _listed(host: str) -> Host | None:
    labels = host.split(".")
    for h in HOSTS:
        if "." in h.name and (host == h.name or host.endswith("." + h.name)):
            return h
        if "." not in h.name and h.name in labels:
            return h
    return None
