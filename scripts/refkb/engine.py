"""citeproc-js, the CSL engine of Zotero and Mendeley, run in an embedded V8 (the `mini-racer` wheel).

Why this engine (measured on this project's machine, 2 cores; DEVELOPMENT.md, "Citations: engine, conventions and
the oracle"):
- correctness: citeproc-js is the reference implementation of CSL; citeproc-py passes about 60 % of the CSL test
  suite and needed ~480 lines of fixes here (escaping, quotation marks, year suffixes, name initialisation, stop
  words, page ranges, disambiguation), which are gone with it;
- speed: one `makeBibliography` call per style over the whole library, 2–3 ms per work per style at 1,000 works,
  against ~22 ms per one-work render with citeproc-py;
- no Node at run time: `citeproc_commonjs.js` comes from the npm package `citeproc` (pinned in package.json, installed
  by `make install` with `npm ci`); mini-racer ships V8 inside its wheel.
Licence: citeproc-js is CPAL-1.0 or AGPL-3.0; refkb runs its file unmodified and the site says so where it serves it.
refkb's adjustments live in one file shared with the browser's style picker and export, `assets/citeproc-glue.js`
(GLUE), so that the build and the browser print the same: four functions of citeproc-js replaced at run time
(lower-case initials "boyd, d.", the leading-article sort, the join of organisations, title case's long words in
CMOS 18 and APA 7) and per-style views of an item (APA's "[Data set]" and publisher left out, MLA's article number).

The oracle in the tests is another engine: pandoc's citeproc, reading references.bib itself.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import registered, standalone
from .enginefiles import PATCHED_STYLES as PATCHED_STYLES
from .enginefiles import SCRIPT as SCRIPT
from .enginefiles import EngineError as EngineError
from .enginefiles import locale_dir as locale_dir
from .enginefiles import script_path as script_path
from .enginefiles import style_path as style_path

# refkb's citeproc-js glue, run here after citeproc-js and served to the browser (refkb.site.assets).
GLUE = Path(__file__).parent / "assets" / "citeproc-glue.js"

# Markers that wrap each work inside a rendered citation cluster: START id SEP text END.
CITE_START, CITE_SEP, CITE_END = "\ue020", "\ue021", "\ue022"

_GLUE = r"""
var module = {exports: {}};
var exports = module.exports;
"""

_API = r"""
var CSL = refkbGlue.install(module.exports);  // citeproc-glue.js: the rules shared with the browser
var REFKB = {locales: {}, items: {}, engines: {}, styles: {}, version: {}, current: {}, ids: []};
var refkbCiteKeys = refkbGlue.citationSortMemo(CSL);  // in refkbClusters: sort keys once per work, not per cluster
REFKB.sys = {
  retrieveLocale: function (lang) { return REFKB.locales[lang] || REFKB.locales["en-US"]; },
  retrieveItem: function (id) { return REFKB.items[id]; },
  wrapCitationEntry: function (str, id) { return "\ue020" + id + "\ue021" + str + "\ue022"; }
};
function refkbLocales(locales) { REFKB.locales = JSON.parse(locales); return true; }
function refkbGroup(item) {
  // What a work's citation starts with, as a key: the last word of its first name's family (or literal) name, or the
  // first word of its title for a work without names. Only works of the same group can change each other's list
  // entries (a year suffix, names added to tell works apart, the repeated-author dash): both need the same first
  // name, or the same title for works without names.
  var names = item.author || item.editor || [];
  var first = names[0] || {};
  var word = /[^\s.,;:'"\u2018\u2019\u201c\u201d()\[\]-]+/g;
  var words = String(first.literal || first.family || "").toLowerCase().match(word);
  if (words) { return words[words.length - 1]; }
  words = String(item.title || "").toLowerCase().match(word);
  return words ? "\u0002" + words[0] : "";
}
function refkbItems(changedJson, idsJson) {
  // The library, shared by every style: each work's current data and a version that grows when it changes. An
  // engine registers version v of work X under the id X (v = 1) or X\u0001v, so that one updateItems call drops the
  // old version and adds the new one.
  var changed = JSON.parse(changedJson);
  for (var i = 0; i < changed.length; i++) {
    var id = changed[i].id;
    REFKB.version[id] = (REFKB.version[id] || 0) + 1;
    REFKB.current[id] = changed[i];
  }
  REFKB.ids = JSON.parse(idsJson);
  return true;
}
function refkbName(id, v) { return v > 1 ? id + "\u0001" + v : id; }  // version v of work id, as registered
function refkbRid(id) {
  var rid = refkbName(id, REFKB.version[id]);
  if (!REFKB.items[rid]) {
    var copy = Object.assign({}, REFKB.current[id]);
    copy.id = rid;
    copy.system_id = id;  // citeproc-js wraps a work in a citation only when its item has one
    REFKB.items[rid] = copy;
  }
  return rid;
}
function refkbLoad(name, styleXml, lang) {
  // A style already compiled in this context keeps its engine (a rebuild in mkdocs serve): only the works that
  // changed are registered again, and only the entries that can have changed are formatted again — the changed
  // works, the works of the same group (refkbGroup: the same first name) (year suffixes, disambiguation, MLA's "———")
  // and the entries that follow a changed work in the old or the new order (the repeated-author dash).
  // Returns the whole order, and the entries and labels formatted by this call (all of them when `full`).
  var ids = REFKB.ids;
  var prev = REFKB.styles[name];
  var reuse = prev && prev.xml === styleXml && prev.lang === lang;
  var seen = reuse ? prev.seen : {};
  var now = {}, changed = {}, nchanged = 0, families = {}, family = {}, rids = [];
  for (var i = 0; i < ids.length; i++) {
    var id = ids[i];
    now[id] = REFKB.version[id];
    family[id] = refkbGroup(REFKB.current[id]);
    if (seen[id] !== now[id]) {
      changed[id] = true;
      nchanged++;
      families[family[id]] = true;
      if (reuse && prev.family[id] !== undefined) { families[prev.family[id]] = true; }
    }
    rids.push(refkbRid(id));
  }
  var removed = reuse ? Object.keys(seen).filter(function (k) { return now[k] === undefined; }) : [];
  for (var r = 0; r < removed.length; r++) { families[prev.family[removed[r]]] = true; }
  var eng;
  if (reuse) {
    eng = prev.eng;
    if (nchanged || removed.length) { eng.updateItems(rids); }
  } else {
    eng = new CSL.Engine(refkbGlue.sys(REFKB.sys, styleXml), styleXml, lang, true);
    eng.setOutputFormat("html");
    eng.updateItems(rids);
  }
  var work = function (rid) { return REFKB.items[rid].system_id; };
  var order = eng.registry.getSortedIds().map(work);
  var todo = ids, full = true;
  if (reuse && !nchanged && !removed.length) {
    todo = [];
    full = false;
  } else if (reuse && nchanged + removed.length < ids.length / 4) {
    var affected = {};
    var mark = function (list, known) {
      for (var j = 0; j < list.length; j++) {
        if (changed[list[j]] || (j > 0 && (changed[list[j - 1]] || known[list[j - 1]] === undefined))) {
          affected[list[j]] = true;
        }
      }
    };
    mark(order, now);
    mark(prev.order, now);
    for (var g = 0; g < ids.length; g++) { if (families[family[ids[g]]]) { affected[ids[g]] = true; } }
    todo = ids.filter(function (id) { return affected[id]; });
    full = false;
  }
  var entries = {}, labels = {};
  if (todo.length) {
    var bib = full ? eng.makeBibliography()
      : eng.makeBibliography({include: todo.map(function (id) { return {field: "id", value: refkbRid(id)}; })});
    if (bib) {
      // A work the style leaves out of its list (it renders empty: an unsigned encyclopedia entry in Chicago) keeps
      // its place in entry_ids but has no entry: it is skipped, or every later work would take its neighbour's.
      var empty = {};
      var errors = bib[0].bibliography_errors || [];
      for (var x = 0; x < errors.length; x++) { empty[errors[x].itemID] = true; }
      for (var k = 0, n = 0; k < bib[0].entry_ids.length; k++) {
        if (!empty[bib[0].entry_ids[k][0]]) { entries[work(bib[0].entry_ids[k][0])] = bib[1][n++]; }
      }
    }
    for (var m = 0; m < todo.length; m++) { labels[todo[m]] = eng.makeCitationCluster([{id: refkbRid(todo[m])}]); }
  }
  var alone = refkbAlone(name, styleXml, lang, todo, ids, eng, entries);
  // citeproc-js clears its tainted items only in processCitationCluster, which refkb does not use: left set, they
  // make every later updateItems recompute every work's sort keys (2 s of 2.6 s for ten edits at 1,000 works).
  eng.tmp.taintedItemIDs = {};
  REFKB.styles[name] = {xml: styleXml, lang: lang, eng: eng, seen: now, family: family, order: order, labels: labels};
  REFKB.engines[name] = eng;
  refkbForget();
  return JSON.stringify({order: order, entries: entries, labels: labels, alone: alone, formatted: todo.length,
    full: full});
}
function refkbForget() {
  // Registered versions that no engine holds any more.
  var held = {};
  for (var s in REFKB.styles) {
    var seen = REFKB.styles[s].seen;
    for (var id in seen) { held[refkbName(id, seen[id])] = true; }
  }
  for (var rid in REFKB.items) {
    if (!held[rid] && REFKB.items[rid].system_id !== undefined) { delete REFKB.items[rid]; }
  }
}
function refkbAlone(name, styleXml, lang, todo, ids, eng, entries) {
  // The works of `todo` that share their group with another work of the library and whose library entry can differ
  // from the work alone (refkbAsAlone), each formatted as a one-item bibliography (a citation a reader copies alone
  // carries no year suffix or dash from the library): in layers of works of distinct groups and family names
  // (refkbFamilies), one engine call per layer, which cannot change each other's entries. Every other work's entry
  // alone is its library entry (an empty string here).
  var count = {};
  for (var i = 0; i < ids.length; i++) {
    var g = refkbGroup(REFKB.current[ids[i]]);
    count[g] = (count[g] || 0) + 1;
  }
  var layers = [], held = [], testsFlag = refkbTestsDisambiguate(styleXml), dashed = [];
  for (var j = 0; j < todo.length; j++) {
    var grp = refkbGroup(REFKB.current[todo[j]]);
    var own = refkbRid(todo[j]);
    if (count[grp] < 2 ? !refkbNamesake(eng, own) : refkbAsAlone(eng, own, entries[todo[j]], testsFlag)) { continue; }
    var undashed = count[grp] > 1 && typeof entries[todo[j]] === "string" && refkbAsAlone(eng, own, "", testsFlag);
    if (undashed) { dashed.push(todo[j]); continue; }  // the work alone but for the repeated-author dash
    var keys = refkbFamilies(REFKB.current[todo[j]]).concat(["\u0003" + grp]);
    var l = 0;
    while (l < layers.length && keys.some(function (key) { return held[l][key]; })) { l++; }
    if (l === layers.length) { layers.push([]); held.push({}); }
    layers[l].push(todo[j]);
    keys.forEach(function (key) { held[l][key] = true; });
  }
  var out = {};
  if (dashed.length) { refkbUndashed(eng, dashed, out, layers); }
  if (!layers.length) { return out; }
  REFKB.alone = REFKB.alone || {};
  var one = REFKB.alone[name];
  if (!one || one.refkbXml !== styleXml || one.refkbLang !== lang) {
    // A layer's works cannot change each other's entries, so their order does not matter: the engine of works
    // alone does not sort (no sort keys to make), unless the style numbers its entries.
    var unsorted = refkbUnsorted(styleXml);
    one = REFKB.alone[name] = new CSL.Engine(refkbGlue.sys(REFKB.sys, unsorted), unsorted, lang, true);
    one.setOutputFormat("html");
    one.refkbXml = styleXml;
    one.refkbLang = lang;
  }
  for (var l = 0; l < layers.length; l++) {
    // A work whose entry comes out empty without a bibliography error (MLA, a work with no names and no title)
    // leaves no entry and no mark: the entries no longer pair with entry_ids, so that layer's works go one by one.
    if (refkbLayer(one, layers[l].map(refkbRid), out)) { continue; }
    for (var w = 0; w < layers[l].length; w++) { refkbLayer(one, [refkbRid(layers[l][w])], out); }
  }
  one.updateItems([]);
  one.tmp.taintedItemIDs = {};
  return out;
}
function refkbUndashed(eng, dashed, out, layers) {
  // Works alone but for the repeated-author dash (MLA's "———", 4,000 of 5,000 grown works), formatted with no dash
  // in the library's engine, where they are registered (the engine of works alone would register each: 2 renders).
  var opt = eng.bibliography.opt, key = "subsequent-author-substitute", sub = opt[key], bib, kept = [], empty = {};
  var include = dashed.map(function (id) { return {field: "id", value: refkbRid(id)}; });
  try { opt[key] = undefined; bib = eng.makeBibliography({include: include}); } finally { opt[key] = sub; }
  ((bib && bib[0].bibliography_errors) || []).forEach(function (e) { empty[e.itemID] = true; });
  if (bib) { kept = bib[0].entry_ids.filter(function (e) { return !empty[e[0]]; }); }
  var paired = bib && kept.length === dashed.length && bib[1].length === kept.length;  // else a layer per work
  for (var k = 0; k < dashed.length; k++) {
    if (paired) { out[REFKB.items[kept[k][0]].system_id] = bib[1][k]; } else { layers.push([dashed[k]]); }
  }
}
function refkbLayer(one, rids, out) {
  // A layer's works formatted in the engine of works alone, into out (id -> entry); false, with nothing put in out,
  // when the entries cannot be paired with their works.
  one.updateItems(rids);
  var bib = one.makeBibliography();
  if (!bib) { return true; }
  var empty = {}, errors = bib[0].bibliography_errors || [], ids = bib[0].entry_ids;
  for (var x = 0; x < errors.length; x++) { empty[errors[x].itemID] = true; }
  var kept = ids.filter(function (e) { return !empty[e[0]]; });
  if (kept.length !== bib[1].length) { return rids.length < 2; }
  for (var k = 0; k < kept.length; k++) { out[REFKB.items[kept[k][0]].system_id] = bib[1][k]; }
  return true;
}
function refkbUnsorted(styleXml) {
  // The style without its <sort> elements, for an engine that formats bibliographies whose order does not matter
  // and no citation clusters (makeBibliography reads no citation sort): citeproc-js compiles each sort key's macros
  // into tokens of their own, most of a style engine's memory (APA: about 48 of 50 MB of V8 heap). A style that
  // numbers its entries keeps them.
  if (/citation-number/.test(styleXml)) { return styleXml; }
  return styleXml.replace(/(<bibliography[\s>][\s\S]*?)<sort>[\s\S]*?<\/sort>/, "$1")
    .replace(/(<citation[\s>][\s\S]*?)<sort>[\s\S]*?<\/sort>/, "$1");
}
function refkbFormatOne(name, styleXml, lang, itemJson) {
  // One item in an engine of its own (a page of this site citing itself): no year suffix from the library.
  var item = JSON.parse(itemJson);
  REFKB.single = REFKB.single || {};
  var eng = REFKB.single[name];
  if (!eng) {
    var unsorted = refkbUnsorted(styleXml);  // one item: nothing to sort
    eng = REFKB.single[name] = new CSL.Engine(refkbGlue.sys(REFKB.sys, unsorted), unsorted, lang, true);
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
  for (var c = 0; c < clusters.length; c++) {
    for (var w = 0; w < clusters[c].length; w++) {
      clusters[c][w].id = refkbName(clusters[c][w].id, REFKB.styles[name].seen[clusters[c][w].id]);
    }
  }
  // A cluster of one work and nothing else, unwrapped, is its label from the last refkbLoad (5,869 of 8,806).
  var labels = REFKB.styles[name].labels, out = [];
  refkbCiteKeys.eng = eng;
  refkbCiteKeys.keys = new Map();
  try {
    for (var i = 0; i < clusters.length; i++) {
      var one = clusters[i].length === 1 && Object.keys(clusters[i][0]).length === 1 ? clusters[i][0].id : null;
      var made = one === null ? undefined : labels[REFKB.items[one] ? REFKB.items[one].system_id : ""];
      eng.opt.development_extensions.apply_citation_wrapper = false;
      var plain = typeof made === "string" ? made : eng.makeCitationCluster(clusters[i]);
      eng.opt.development_extensions.apply_citation_wrapper = true;
      out.push([plain, eng.makeCitationCluster(clusters[i])]);
    }
  } finally {
    eng.opt.development_extensions.apply_citation_wrapper = false;
    refkbCiteKeys.eng = null;
    refkbCiteKeys.keys = new Map();
  }
  return JSON.stringify(out);
}
"""


def item_texts(items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Each item's JSON as the engine takes it (keys sorted, so equal items give equal text), by id."""
    return {str(it["id"]): json.dumps(it, ensure_ascii=False, sort_keys=True) for it in items}


@dataclass(frozen=True)
class Bibliography:
    """One style over the whole library."""

    order: tuple[str, ...]  # item ids in the style's bibliography order
    entries: Mapping[str, str]  # id -> the reference-list entry (HTML, as citeproc-js writes it)
    labels: Mapping[str, str]  # id -> the work's own parenthetical citation, HTML
    # id -> the entry as a one-item bibliography, for the works whose library entry can differ from it (a year
    # suffix, names added, a repeated-author dash); a work not here is the same alone as in the library
    alone: Mapping[str, str] = field(default_factory=dict)
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
        return cls(
            str(data["id"]),
            str(data.get("locator", "")),
            str(data.get("label", "")) if "locator" in data else "",
            str(data.get("prefix", "")),
            str(data.get("suffix", "")),
            bool(data.get("suppress-author")),
            bool(data.get("author-only")),
        )

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


def return_memory_on_close() -> None:
    """In this process, V8 gives a closed engine's heap back to the operating system (V8's flag --no-memory-pool):
    for a style worker, which formats its styles in engines it closes, then waits for the build's end. By default V8
    keeps the pages of freed heaps for its next engine: APA over 1,000 works (benchmarks/engines.py) peaked at about
    291 MB, and the process held 275 MB after closing the engine, 131-133 MB with the flag. Formatting one style made
    as many page faults either way (about 70,000); a run of two styles (MLA, Harvard) made about 22,000 more with it.
    Call before the process's first engine; a process whose V8 has started keeps its flags."""
    try:
        import py_mini_racer
    except ImportError:  # pragma: no cover - a broken install: the engine says so when it starts
        return
    py_mini_racer.init_mini_racer(
        flags=(*py_mini_racer.DEFAULT_V8_FLAGS, "--no-memory-pool"), ignore_duplicate_init=True
    )


class Citeproc:
    """One V8 context holding citeproc-js and one engine per loaded style. `close()` stops it; an engine still open
    when the interpreter exits is left to the operating system by `leave_all` (an atexit hook)."""

    def __init__(self) -> None:
        try:
            from py_mini_racer import MiniRacer
        except ImportError as exc:  # pragma: no cover - a broken install
            raise EngineError(
                "the Python package mini-racer is not installed (it runs citeproc-js)", hint="run `make install`"
            ) from exc
        # Every file is read before V8 starts: an engine that fails for want of citeproc-js starts none (_live).
        script = script_path()
        text, glue = script.read_text(encoding="utf-8"), GLUE.read_text(encoding="utf-8")
        locales = {p.stem[len("locales-") :]: p.read_text(encoding="utf-8") for p in locale_dir().glob("locales-*.xml")}
        self._pid = os.getpid()
        self._ctx = MiniRacer()
        try:
            self._ctx.eval(_GLUE)
            try:
                self._ctx.eval(text)
            except Exception as exc:  # a damaged citeproc_commonjs.js
                raise _not_loaded(script, exc) from exc
            self._ctx.eval(glue)
            self._ctx.eval(_API)
            self._ctx.eval(standalone.JS)
            self._ctx.eval(registered.JS)
            self._ctx.call("refkbLocales", json.dumps(locales))
        except BaseException:
            self._ctx.close()
            raise
        self.closed = False
        _live.add(self)
        self._loaded: set[str] = set()
        self._texts: dict[str, str] = {}  # id -> JSON of the item V8 holds
        self._bibs: dict[str, Bibliography] = {}  # style -> its last bibliography

    def close(self) -> None:
        """Stop this engine's V8 (its thread and mini-racer's event-loop thread) now; once. Nothing in a forked
        child: the threads are the parent's, and freeing the context would wait for them forever."""
        if self.closed or self._pid != os.getpid():
            return
        self.closed = True
        _live.discard(self)
        with contextlib.suppress(Exception):
            self._ctx.close()

    def leave(self) -> None:
        """Marked closed, its V8 context never freed: not now, and not by the garbage collector while the interpreter
        finalizes (the process is ending; the operating system takes it back). See `leave_all`."""
        if self.closed:
            return
        self.closed = True
        _live.discard(self)
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(self._ctx))  # never reaches no references: never freed

    def items(self, texts: Mapping[str, str]) -> int:
        """Make `texts` (id -> the item's JSON, from `item_texts`) the library every style loads next; only the items
        whose JSON changed since the last call cross into V8. Returns how many did."""
        changed = [t for k, t in texts.items() if self._texts.get(k) != t]
        if changed or list(texts) != list(self._texts):
            self._ctx.call("refkbItems", "[" + ",".join(changed) + "]", json.dumps(list(texts), ensure_ascii=False))
            self._texts = dict(texts)
        return len(changed)

    def load(
        self, name: str, style_xml: str, lang: str, items: Sequence[Mapping[str, Any]] | None = None
    ) -> Bibliography:
        """The style's whole bibliography over the library (`items`, or the last one given to `items()`). A style
        loaded before keeps its engine: only changed works are registered again and only the entries that can have
        changed are formatted again (`formatted` counts them)."""
        if items is not None:
            self.items(item_texts(items))
        try:
            raw = self._ctx.call("refkbLoad", name, style_xml, lang)
        except Exception as exc:
            raise EngineError(f"citeproc-js failed on style {name}: {exc}") from exc
        self._loaded.add(name)
        data = json.loads(str(raw))
        order = tuple(data["order"])
        fresh = {k: v.strip() for k, v in data["entries"].items()}
        prev = self._bibs.get(name)
        if data["full"] or prev is None:
            entries, labels = fresh, dict(data["labels"])
        else:
            entries = {k: fresh[k] if k in fresh else prev.entries[k] for k in order if k in fresh or k in prev.entries}
            labels = {
                k: data["labels"][k] if k in data["labels"] else prev.labels[k]
                for k in order
                if k in data["labels"] or k in prev.labels
            }
        alone = {k: v.strip() for k, v in data["alone"].items()}
        if prev is not None and not data["full"]:  # works formatted again (every one with a label) say it anew
            alone = {**{k: v for k, v in prev.alone.items() if k not in data["labels"] and k in entries}, **alone}
        bib = Bibliography(order, entries, labels, alone, int(data["formatted"]))
        self._bibs[name] = bib
        return bib

    def register(self, name: str, style_xml: str, lang: str, kept: Bibliography) -> bool:
        """Load the style with the library of the last `items()` registered and nothing formatted, taking `kept` (the
        style's bibliography over this library, formatted before: the disk cache's) as its last bibliography, so that
        the next `load` formats only what changed. About half a load's time (no list, no citations, no works alone).
        False, with the style loaded whole instead, when the engine's order is not `kept`'s."""
        try:
            order = tuple(json.loads(str(self._ctx.call("refkbRegister", name, style_xml, lang))))
        except Exception as exc:
            raise EngineError(f"citeproc-js failed on style {name}: {exc}") from exc
        if order != kept.order:
            self._ctx.call("refkbDrop", name)
            self.load(name, style_xml, lang)
            return False
        self._loaded.add(name)
        self._bibs[name] = kept
        return True

    def format_one(self, name: str, style_xml: str, lang: str, item: Mapping[str, Any]) -> str:
        """One item alone in a style (an engine per style, kept, apart from the library's): the entry's HTML."""
        try:
            raw = str(self._ctx.call("refkbFormatOne", name, style_xml, lang, json.dumps(item, ensure_ascii=False)))
        except Exception as exc:
            raise EngineError(f"citeproc-js failed on style {name}: {exc}") from exc
        m = re.match(r'^<div class="csl-entry">(.*)</div>$', raw.strip(), re.S)
        # An engine holding one item prints a given name it cannot initialise ("boyd, danah") after two spaces,
        # where the library's engine prints one: the copied text would differ.
        return re.sub(r"(?<=\S) {2,}(?=\S)", " ", (m.group(1) if m else raw).strip())

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


def _not_loaded(script: Path, exc: Exception) -> EngineError:
    """citeproc-js's file failed in V8 (mini-racer says "<anonymous>:LINE: SyntaxError: ...")."""
    said = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    m = re.match(r"<anonymous>:(\d+): (.*)", said)
    return EngineError(
        f"citeproc-js did not load: {m.group(2) if m else said}",
        path=script,
        line=int(m.group(1)) if m else 0,
        hint="install it again (`npm ci`), or point REFKB_CITEPROC_JS at a good copy",
    )


# The engines open in this process. mini-racer frees a context left to the garbage collector in MiniRacer.__del__,
# and that can run during interpreter finalization (an engine held by a traceback's reference cycle, or by a module
# global), when a thread may no longer take the GIL: V8's thread calling back into Python is ended there, and
# freeing the context then waits forever for it (`mkdocs build` with citeproc-js missing hung at exit, about one run
# in six on two busy cores). Freeing every open context from an atexit hook instead, before finalization, crashed
# now and then: `mkdocs serve` exited on SIGSEGV inside mini-racer's mr_free_context at its end (seen in three
# fresh-clone test runs and a helper's runs, after every page had been served right; faulthandler's stack named the
# call). So an engine still open when the process ends is not freed at all: `leave_all` marks it closed and keeps
# its context alive to the end.
_live: weakref.WeakSet[Citeproc] = weakref.WeakSet()


@atexit.register
def leave_all() -> None:
    """Every engine still open in this process left to the operating system (`Citeproc.leave`)."""
    for js in list(_live):
        js.leave()


# A forked child inherits the parent's engines but not V8's threads: freeing an inherited context (mini-racer's
# MiniRacer.__del__, when the child's garbage collector frees an engine it does not use) waits forever for a thread
# the child does not have (gdb: mr_free_context -> ContextHolder::~ContextHolder -> future::get; a build's forked
# worker hung so). The child holds every inherited context to its end, and a pool's worker ends by os._exit.
_inherited: list[object] = []


def _disown_in_child() -> None:
    for js in list(_live):
        _inherited.append(js._ctx)
        js.closed = True
    _live.clear()


os.register_at_fork(after_in_child=_disown_in_child)


def _with_affixes(plain: str, wrapped: str) -> str:
    """The wrapped cluster with the layout's affixes that citeproc-js leaves out when it wraps works, e.g. "(" ")"."""
    bare = "".join(part.split(CITE_SEP, 1)[-1] for part in wrapped.split(CITE_START)).replace(CITE_END, "")
    at = plain.find(bare)
    if at < 0:
        return wrapped
    return plain[:at] + wrapped + plain[at + len(bare) :]
