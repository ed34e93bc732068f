/* refkb: the citeproc-js glue. One file for both places refkb formats citations, so that they print the same:
   the build (refkb.engine runs it in V8 after citeproc-js) and the browser (picker.js and selection.js, after
   citeproc.js). It defines `refkbGlue` on the global object, and nothing runs until `install` is called:
   - refkbGlue.install(CSL): replaces three functions of citeproc-js 2.4.63 (the file itself stays unmodified):
     lower-case initials, the leading-article sort and the join of organisations (below). Idempotent; returns CSL.
   - refkbGlue.sys(sys, styleXml): the engine's sys object with the style's item views (the per-style rules below),
     or `sys` itself for a style without rules. The rules follow the style file's <id> (a dependent style formats
     with its parent's file, so with its parent's rules). */
(function (root) {
  "use strict";

  /* 1. A given name written all in lower case is initialised as its owner writes it: in lower case ("boyd, d.",
     APA's "hooks, b."). citeproc-js initialises a given name only when it starts with a capital and keeps "danah"
     whole (CSL.Util.Names.doInitialize); only styles that initialise (initialize-with) call this function. */
  function lowerInitials(CSL) {
    var names = CSL.Util.Names;
    var original = names.initializeWith;
    names.initializeWith = function (state, name, terminator, normalizeOnly) {
      var words = typeof name === "string" ? name.split(/[\s-]+/).filter(Boolean) : [];
      var lower = !normalizeOnly && words.length && words.every(function (w) { return /^[a-z\u00df-\u00ff]/.test(w); });
      if (!lower) { return original.apply(this, arguments); }
      var capital = name.replace(/(^|[\s-])([a-z\u00df-\u00ff])/g, function (m, sep, c) { return sep + c.toUpperCase(); });
      var out = original.call(this, state, capital, terminator, normalizeOnly);
      return out === capital ? name : out.toLowerCase();
    };
  }

  /* 2. Sort keys ignore a leading "A", "An" or "The" (APA 9.47; MLA and Chicago alike): CSL.Util.Sort
     .strip_prepositions looks for a space after the article, but by then the key's spaces are its sort separator
     ("The|challenges|"), so no article was ever dropped (citation-style-language/schema#454). A key that begins with
     the family name of one of the work's persons is a name ("An|J.|"), not a title, and keeps its first word. */
  function leadingArticles(CSL) {
    var original = CSL.getSortKeys;
    var roles = ["author", "editor", "translator", "container-author", "collection-editor"];
    CSL.getSortKeys = function (Item, key_type) {
      var keys = original.call(this, Item, key_type);
      var sep = this.opt.sort_sep;
      var families = [];
      for (var r = 0; r < roles.length; r++) {
        var names = (Item && Item[roles[r]]) || [];
        for (var n = 0; n < names.length; n++) {
          if (names[n].family) { families.push(String(names[n].family).toLowerCase() + sep); }
        }
      }
      for (var i = 0; i < keys.length; i++) {
        var key = keys[i];
        if (typeof key !== "string") { continue; }
        var m = key.match(/^(a|an|the)(.)/i);
        if (!m || m[2] !== sep || key.length === m[0].length) { continue; }
        var lower = key.toLowerCase();
        if (families.some(function (f) { return lower.indexOf(f) === 0; })) { continue; }
        keys[i] = key.slice(m[0].length);
      }
      return keys;
    };
  }

  /* 3. Organisations (literal names) are joined by "and" with a delimiter of citeproc-js's own (", and" before the
     last of three), not the style's: CSL 1.0.2 has no cs:institution, and a style's cs:name
     delimiter-precedes-last="never" (Cite Them Right) holds for every name in the list. Other values keep
     citeproc-js's join of organisations: "always" in APA and Chicago is for the comma after an inverted first name
     ("Dimas, G. L., & Konrad, R. A."), which a name not inverted does not take ("ILO & IOM"). */
  function groupAuthorJoin(CSL) {
    var original = CSL.NameOutput.prototype._getAndJoin;
    CSL.NameOutput.prototype._getAndJoin = function (blobs, delimiter) {
      var never = this.state.inheritOpt(this.name, "delimiter-precedes-last") === "never";
      var join = blobs.length > 2 && never && this.name.and && this.name.and.multiple;
      if (!join || !blobs[blobs.length - 1].isInstitution) { return original.call(this, blobs, delimiter); }
      return this._getAfterInvertedName(blobs, delimiter, JSON.parse(JSON.stringify(join)));
    };
  }

  function install(CSL) {
    if (!CSL.refkbGlue) {
      lowerInitials(CSL);
      leadingArticles(CSL);
      groupAuthorJoin(CSL);
      CSL.refkbGlue = true;
    }
    return CSL;
  }

  /* Per-style views of an item, for rules a style file cannot state. A view is made once per item and engine
     (WeakMap), and only when a rule changes something.
     - APA 7 (9.24): when the author and the publisher are the same organisation, the publisher is omitted; (10.9) a
       data set is described as "[Data set]" (the CSL locale's term prints "Dataset").
     - MLA 9 (core elements Number and Location): a journal's article number (CSL `number`, biblatex `eid`) is no
       second issue number ("no. 1, no. 102"): where the article has an issue, a DOI or a URL, MLA's number and
       location elements are those, and the article number is left out. */
  function norm(s) { return String(s || "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim(); }
  function publisherIsAuthor(item) {
    if (!item.publisher || !item.author || !item.author.length) { return false; }
    var orgs = {};
    for (var i = 0; i < item.author.length; i++) {
      if (item.author[i].literal) { orgs[norm(item.author[i].literal)] = true; }
    }
    var pubs = String(item.publisher).split("; ");
    for (var j = 0; j < pubs.length; j++) { if (!orgs[norm(pubs[j])]) { return false; } }
    return true;
  }
  var RULES = {  /* by the style file's id (the last part of its <id> address) */
    "apa": function (item) {
      var change = {};
      if (publisherIsAuthor(item)) { change.publisher = undefined; change["publisher-place"] = undefined; }
      if (item.type === "dataset" && !item.genre && !item.medium) { change.genre = "Data set"; }
      return change;
    },
    "modern-language-association": function (item) {
      var periodical = /^article-(journal|magazine|newspaper)$/.test(item.type);
      if (periodical && item.number && (item.issue || item.DOI || item.URL)) { return {number: undefined}; }
      return {};
    }
  };

  /* The style file's id: "apa" for <id>http://www.zotero.org/styles/apa</id>. */
  function styleId(styleXml) {
    var m = String(styleXml || "").match(/<id>\s*([^<\s]*?)\s*<\/id>/);
    return m ? m[1].replace(/\/+$/, "").split("/").pop() : "";
  }

  function view(rule, views, item) {
    if (!item || typeof item !== "object") { return item; }
    var seen = views.get(item);
    if (seen !== undefined) { return seen; }
    var change = rule(item);
    var out = item;
    if (Object.keys(change).length) {
      out = Object.assign({}, item);
      for (var k in change) { if (change[k] === undefined) { delete out[k]; } else { out[k] = change[k]; } }
    }
    views.set(item, out);
    return out;
  }

  function sys(base, styleXml) {
    var rule = RULES[styleId(styleXml)];
    if (!rule) { return base; }
    var views = new WeakMap();
    var out = {};
    for (var k in base) { out[k] = base[k]; }
    out.retrieveItem = function (id) { return view(rule, views, base.retrieveItem(id)); };
    return out;
  }

  root.refkbGlue = { install: install, sys: sys, styleId: styleId };
})(typeof globalThis !== "undefined" ? globalThis : this);
