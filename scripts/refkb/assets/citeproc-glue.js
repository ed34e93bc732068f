/* refkb: the citeproc-js glue. One file for both places refkb formats citations, so that they print the same:
   the build (refkb.engine runs it in V8 after citeproc-js) and the browser (picker.js and selection.js, after
   citeproc.js). It defines `refkbGlue` on the global object, and nothing runs until `install` is called:
   - refkbGlue.install(CSL): replaces four functions of citeproc-js 2.4.63 (the file itself stays unmodified):
     lower-case initials, the leading-article sort, the "and" before the last name (organisations; Cite Them Right)
     and title case's skip words where a manual capitalises the long ones (CMOS 18 from five letters, APA 7 from
     four), below. Idempotent; returns CSL.
   - refkbGlue.sys(sys, styleXml): the engine's sys object with the item views below: the rule for every style (a
     host who is the author) and the style's own. The rules follow the style file's <id> (a dependent style formats
     with its parent's file, so with its parent's rules).
   - refkbGlue.citationSortMemo(CSL): the build's only (refkb.engine's refkbClusters), no change to what prints: while
     the returned memo's `eng` is an engine, that engine makes each work's citation sort keys once, not once for
     every cluster the work is in; `eng` null (as returned) changes nothing. Idempotent. */
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
  /* 4. Cite Them Right (12th ed.) puts no comma before "and" in any list of names ("A, B and C": authors, editors
     and organisations alike). Its CSL file says so for the authors (delimiter-precedes-last="never") but leaves the
     editors' cs:name at CSL's default, "contextual" (", and" before the last of three or more: "A. Korhonen, D.
     Traum, and L. Màrquez (eds)"). For this style a cs:name that sets no other value is joined as "never" joins. */
  var NO_COMMA_BEFORE_AND = { "harvard-cite-them-right": true };

  function lastPart(id) { return String(id || "").replace(/\/+$/, "").split("/").pop(); }

  function groupAuthorJoin(CSL) {
    var original = CSL.NameOutput.prototype._getAndJoin;
    CSL.NameOutput.prototype._getAndJoin = function (blobs, delimiter) {
      var precedes = this.state.inheritOpt(this.name, "delimiter-precedes-last");
      var styleNever = NO_COMMA_BEFORE_AND[lastPart(this.state.opt.styleID)] &&
        (!precedes || precedes === "contextual");
      var join = blobs.length > 2 && (precedes === "never" || styleNever) && this.name.and && this.name.and.multiple;
      if (!join) { return original.call(this, blobs, delimiter); }
      var last = blobs[blobs.length - 1].isInstitution;
      if (!last && !styleNever) { return original.call(this, blobs, delimiter); }
      join = JSON.parse(JSON.stringify(join));
      if (styleNever && join.strings.prefix) { join.strings.prefix = " "; }  /* as citeproc-js builds "never" */
      return this._getAfterInvertedName(blobs, delimiter, join);
    };
  }

  /* 5. Title case (CSL.Output.Formatters.title) capitalises the long words of citeproc-js's skip list where the
     style's manual does. citeproc-js lower-cases its skip words (CSL.SKIP_WORDS: prepositions of any length,
     articles, "and", "but", "for", "or", "nor", "so", "yet", "as", "to") in every style; a manual that capitalises a
     word from some length on is a row of MAJOR_FROM, matched on the style file's <title> (a dependent style formats
     with its parent's file, so with its parent's row), with that length:
     - CMOS 18 (8.160) capitalises a preposition of five letters or more ("Much Ado About Nothing", "Between",
       "During", "Through") and lower-cases one of four letters or fewer ("of", "in", "from", "like"); the 17th
       edition lower-cased every preposition. Styles whose <title> begins "Chicago Manual of Style 18th edition".
     - APA 7 (6.17) capitalises every word of four letters or more ("With", "Between", "From") and lower-cases only
       the minor words of three letters or fewer (short conjunctions, articles, short prepositions: "and", "for",
       "of", "in", "the", "via"). Styles whose <title> begins "APA Style 7th edition" (the APA's own file and its
       variants) or, as the CSL file was called before, "American Psychological Association 7th edition"; an
       institution's adaptation names the institution first and keeps citeproc-js's list.
     Title case runs with the engine's list less the words (or phrases, counting all their letters) of that length
     or more, and the engine's own list is put back after it. Every other style keeps citeproc-js's list: MLA 9
     lower-cases every preposition, Chicago's 16th and 17th editions did; so does a style or locale that gives its
     own list (style-options skip-words). */
  var MAJOR_FROM = [  /* [the style's <title> begins, the length from which a skip word is capitalised] */
    [/^\s*Chicago Manual of Style 18th edition\b/i, 5],
    [/^\s*(?:APA Style|American Psychological Association) 7th edition\b/i, 4]
  ];
  function majorFrom(styleName) {
    for (var i = 0; i < MAJOR_FROM.length; i++) {
      if (MAJOR_FROM[i][0].test(String(styleName || ""))) { return MAJOR_FROM[i][1]; }
    }
    return 0;
  }
  function letters(word) { return String(word).replace(/[^a-z\u00df-\u00ff]/gi, "").length; }
  function skipWordsRegExp(words) {  /* as citeproc-js builds it (CSL.Engine, "skip-words-regexp") */
    return new RegExp("(?:(?:[?!:]*\\s+|-|^)(?:" + words.join("|") + ")(?=[!?:]*\\s+|-|$))", "g");
  }
  function longWordsCapitalised(CSL) {
    var original = CSL.Output.Formatters.title;
    var shorter = new WeakMap();  /* engine state -> its style's shorter skip words' regexp, or null */
    function ownRegExp(state, opts) {
      if (!shorter.has(state)) {
        var from = opts["skip-words"] === CSL.SKIP_WORDS ? majorFrom(state.opt.styleName) : 0;
        var words = from ? CSL.SKIP_WORDS.filter(function (w) { return letters(w) < from; }) : null;
        shorter.set(state, words ? skipWordsRegExp(words) : null);
      }
      return shorter.get(state);
    }
    CSL.Output.Formatters.title = function (state, string) {
      var opts = state && state.locale && state.locale[state.opt.lang] && state.locale[state.opt.lang].opts;
      var rex = opts ? ownRegExp(state, opts) : null;
      if (!rex) { return original.apply(this, arguments); }
      var kept = opts["skip-words-regexp"];
      opts["skip-words-regexp"] = rex;
      try {
        return original.apply(this, arguments);
      } finally {
        opts["skip-words-regexp"] = kept;
      }
    };
  }

  function install(CSL) {
    if (!CSL.refkbGlue) {
      lowerInitials(CSL);
      leadingArticles(CSL);
      groupAuthorJoin(CSL);
      longWordsCapitalised(CSL);
      CSL.refkbGlue = true;
    }
    return CSL;
  }

  function citationSortMemo(CSL) {
    if (!CSL.refkbCiteKeys) {
      var memo = {eng: null, keys: new Map()}, own = CSL.getSortKeys;
      CSL.getSortKeys = function (Item, keyType) {
        var on = keyType === "citation_sort" && Item && memo.eng !== null && memo.eng === this;
        if (on && !memo.keys.has(Item.id)) { memo.keys.set(Item.id, own.apply(this, arguments).slice()); }
        return on ? memo.keys.get(Item.id).slice() : own.apply(this, arguments);
      };
      CSL.refkbCiteKeys = memo;
    }
    return CSL.refkbCiteKeys;
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
  /* - Every style: a host who is also the author (refkb gives a podcast's host as both: biblatex authortype = host).
       APA 7 (10.13: "Goldstein, L. (Host)."), CMOS 18 (14.165: "Goldstein, Leila, host.") and MLA 9 ("Goldstein,
       Leila, host.") label the name, which their files do for a host that stands in for a missing author (MLA's as
       refkb corrects it, data/styles), so their view leaves the author out; every other style prints the author and
       no second "hosted by" (the view leaves the host out). */
  var HOST_LABELLED = { "apa": true, "chicago-author-date": true, "modern-language-association": true };
  function hostRule(id, item) {
    if (!item.host || !item.author || JSON.stringify(item.host) !== JSON.stringify(item.author)) { return {}; }
    return HOST_LABELLED[id] ? { author: undefined } : { host: undefined };
  }
  /* - MLA 9 (a preprint): the repository is the container, like a website ("<i>arXiv</i>, 27 May 2018, URL"), and
       its identifier no second number: an `article` whose number is its publisher's own identifier ("arXiv:…"). */
  function preprintInRepository(item) {
    var identifier = String(item.number || "").indexOf(item.publisher + ":") === 0;
    return item.type === "article" && !!item.publisher && !item["container-title"] && identifier;
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
      if (preprintInRepository(item)) {
        return {"container-title": item.publisher, publisher: undefined, number: undefined};
      }
      return {};
    },
    /* - CMOS 18 (14.113): a doctoral dissertation is "PhD diss." (refkb's genre for biblatex's phdthesis is APA's
         "Doctoral dissertation"; a CSL file cannot test a variable's value). */
    "chicago-author-date": function (item) {
      var doctoral = item.type === "thesis" && norm(item.genre) === "doctoral dissertation";
      return doctoral ? {genre: "PhD diss."} : {};
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
    var id = styleId(styleXml);
    var own = RULES[id];
    var rule = function (item) { return Object.assign(hostRule(id, item), own ? own(item) : {}); };
    var views = new WeakMap();
    var out = {};
    for (var k in base) { out[k] = base[k]; }
    out.retrieveItem = function (id) { return view(rule, views, base.retrieveItem(id)); };
    return out;
  }

  root.refkbGlue = { install: install, sys: sys, styleId: styleId, citationSortMemo: citationSortMemo };
})(typeof globalThis !== "undefined" ? globalThis : this);
