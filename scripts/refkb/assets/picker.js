/* refkb: the style picker on reference pages. Formats the work in any CSL style, in the browser, with citeproc-js,
   from the work's CSL item as the site's own engine reads it (names already split, so a lower-case given name is
   not read as a particle). Everything comes from this site: the style index when the picker is first used, then
   the engine, the chosen style (or a dependent style's parent) and its locale when a style is chosen. The chosen
   style is remembered in this browser (localStorage, a key of this site's own) and applied on every reference page;
   the copy button copies HTML and plain text, with today's date as the access date where the style prints one.
   window.refkbStyles lets the library's export (selection.js) format a list of works the same way. */
(function () {
  "use strict";
  var cache = {};
  function get(url, asJson) {
    var k = (asJson ? "j:" : "t:") + url;
    if (!cache[k]) {
      cache[k] = window.fetch(url).then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return asJson ? r.json() : r.text();
      });
      cache[k].catch(function () { delete cache[k]; });
    }
    return cache[k];
  }
  /* refkb's citeproc-js glue (citeproc-glue.js, loaded before this file; the build runs the same file): lower-case
     initials, the leading-article sort, the join of organisations and the per-style views of an item, so that the
     site's four styles print here what the build prints in the cite blocks. */
  function glued(CSL) {
    if (!window.refkbGlue) { throw new Error("citeproc-glue.js did not load"); }
    return window.refkbGlue.install(CSL);
  }
  var engineLoad = null;
  function engine(base) {
    if (window.CSL) { return Promise.resolve(window.CSL).then(glued); }
    if (!engineLoad) {
      engineLoad = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base + "citeproc.js";
        s.onload = function () { resolve(window.CSL); };
        s.onerror = function () { engineLoad = null; reject(new Error("citeproc.js did not load")); };
        document.head.appendChild(s);
      });
    }
    return engineLoad.then(glued);
  }
  var ALLOWED = { B: 1, I: 1, EM: 1, STRONG: 1, SPAN: 1, DIV: 1, SUP: 1, SUB: 1, BR: 1 };
  function clean(node) { /* citeproc-js escapes values; keep only its formatting markup all the same */
    Array.prototype.slice.call(node.children).forEach(function (child) {
      if (!ALLOWED[child.tagName]) {
        child.replaceWith(document.createTextNode(child.textContent));
        return;
      }
      Array.prototype.slice.call(child.attributes).forEach(function (a) {
        if (a.name !== "class" && a.name !== "style") { child.removeAttribute(a.name); }
      });
      clean(child);
    });
  }
  function localeFor(wanted, index) {
    var have = index.locales || [];
    if (wanted && have.indexOf(wanted) !== -1) { return wanted; }
    var lang = (wanted || "en").split("-")[0];
    var primary = (index.primary || {})[lang];
    if (primary && have.indexOf(primary) !== -1) { return primary; }
    var any = have.filter(function (l) { return l.split("-")[0] === lang; })[0];
    return any || "en-US";
  }
  /* A style ready to format: its engine, its CSL and its locale files. `entry` is {id[, parent][, locale][, lang]}:
     `lang` is the locale already resolved (a remembered style, the main styles); without it the index resolves it. */
  function prepare(base, entry, index) {
    return Promise.all([engine(base), get(base + "styles/" + (entry.parent || entry.id) + ".csl", false)])
      .then(function (got) {
        var xml = got[1];
        var m = xml.match(/default-locale="([^"]+)"/);
        var lang = entry.lang || localeFor(entry.locale || (m ? m[1] : "en-US"), index || {});
        var needed = lang === "en-US" ? ["en-US"] : ["en-US", lang];
        return Promise.all(needed.map(function (l) { return get(base + "locales/locales-" + l + ".xml", false); }))
          .then(function (xmls) {
            var locales = {};
            needed.forEach(function (l, i) { locales[l] = xmls[i]; });
            return { CSL: got[0], xml: xml, lang: lang, locales: locales };
          });
      });
  }
  /* The items with `now` as their access date (for a copy: the reader accessed the works today), where they have one. */
  function accessedOn(items, now) {
    if (!now) { return items; }
    var parts = [[now.getFullYear(), now.getMonth() + 1, now.getDate()]];
    return items.map(function (it) {
      if (!it.accessed) { return it; }
      var copy = {};
      Object.keys(it).forEach(function (k) { copy[k] = it[k]; });
      copy.accessed = { "date-parts": parts };
      return copy;
    });
  }
  /* Items (CSL-JSON) as a bibliography in a prepared style: {shown (the engine's HTML, cleaned), html and text (to
     copy: one paragraph per entry), entries}. A style without a bibliography
     gives its citation. Each call uses an engine of its own, so one work formatted alone gets no year suffix. */
  function render(style, items, now) {
    var byId = {};
    accessedOn(items, now).forEach(function (it) { byId[it.id] = it; });
    var sys = window.refkbGlue.sys({
      retrieveLocale: function (l) { return style.locales[l] || style.locales[style.lang] || style.locales["en-US"]; },
      retrieveItem: function (id) { return byId[id]; }
    }, style.xml);
    var citeproc = new style.CSL.Engine(sys, style.xml, style.lang, true);
    var ids = Object.keys(byId);
    citeproc.updateItems(ids);
    var bib = citeproc.makeBibliography();
    var html;
    if (bib && bib[1] && bib[1].length) {
      html = bib[1].join("");
    } else {
      html = citeproc.previewCitationCluster({ citationItems: ids.map(function (id) { return { id: id }; }),
        properties: { noteIndex: 1 } }, [], [], "html");
    }
    var box = document.createElement("div");
    box.innerHTML = html;
    clean(box);
    var walk = document.createTreeWalker(box, NodeFilter.SHOW_TEXT), node;
    while ((node = walk.nextNode())) { /* two spaces where citeproc-js prints no name part, as the build does */
      node.nodeValue = node.nodeValue.replace(/(\S) {2,}(?=\S)/g, "$1 ");
    }
    var entries = Array.prototype.map.call(box.querySelectorAll(".csl-entry"), flat);
    if (!entries.length) { entries = [{ html: box.innerHTML.trim(), text: box.textContent.trim() }]; }
    return {
      shown: box.innerHTML,
      html: entries.length === 1 ? entries[0].html : entries.map(function (e) { return "<p>" + e.html + "</p>"; }).join(""),
      text: entries.map(function (e) { return e.text; }).join("\n"),
      entries: entries
    };
  }
  /* One entry as a paragraph's content: a numeric style's label ("[1]", "1.") and a space before the reference. */
  function flat(entry) {
    var label = entry.querySelector(".csl-left-margin"), body = entry.querySelector(".csl-right-inline");
    var html = label && body ? label.innerHTML.trim() + " " + body.innerHTML.trim() : entry.innerHTML.trim();
    var text = label && body ? label.textContent.trim() + " " + body.textContent.trim() : entry.textContent;
    return { html: html.replace(/\s+/g, " "), text: text.replace(/\s+/g, " ").trim() };
  }
  /* The reader's chosen style, remembered per site: the key holds the address of this site's style folder. */
  function storageKey(base) {
    return "refkb:" + new URL(base, window.location.href).pathname + ":style";
  }
  function remembered(base) {
    try {
      var v = JSON.parse(window.localStorage.getItem(storageKey(base)) || "null");
      return v && typeof v.id === "string" && /^[a-z0-9][a-z0-9-]*$/.test(v.id) &&
        (!v.parent || /^[a-z0-9][a-z0-9-]*$/.test(v.parent)) && typeof v.lang === "string" &&
        /^[A-Za-z]{2,3}(-[A-Za-z0-9]+)*$/.test(v.lang) ? v : null;
    } catch (e) {
      return null;
    }
  }
  function remember(base, entry, lang) {
    var v = { id: entry.id, title: entry.title, lang: lang };
    if (entry.parent) { v.parent = entry.parent; }
    try { window.localStorage.setItem(storageKey(base), JSON.stringify(v)); } catch (e) { /* storage refused */ }
  }
  /* The work's item: the engine's form embedded in the page, else the CSL-JSON download with names kept as split. */
  function workItems(root) {
    var inline = root.getAttribute("data-item-json");
    if (inline) { return Promise.resolve([JSON.parse(inline)]); }
    return get(root.getAttribute("data-item"), true).then(function (items) {
      return items.map(function (it) {
        ["author", "editor", "translator", "container-author", "collection-editor"].forEach(function (v) {
          if (it[v]) { it[v] = it[v].map(function (n) { return n.literal ? n : Object.assign({ "parse-names": false }, n); }); }
        });
        return it;
      });
    });
  }
  function format(root, entry, index) {
    var base = root.getAttribute("data-base");
    var out = root.querySelector(".refkb-picker-output");
    var note = root.querySelector(".refkb-access-note");
    out.textContent = "Formatting…";
    root.setAttribute("data-state", "loading");
    return Promise.all([prepare(base, entry, index), workItems(root)])
      .then(function (got) {
        var style = got[0], items = got[1];
        var shown = render(style, items, null);
        out.innerHTML = shown.shown;
        var dated = items.some(function (it) { return it.accessed; });
        out.refkbCopy = function (now) {
          var c = dated ? render(style, items, now) : shown;
          return { html: c.html, text: c.text };
        };
        if (note) { note.hidden = !dated || render(style, items, new Date(2000, 0, 1)).text === shown.text; }
        root.setAttribute("data-state", "done");
        root.setAttribute("data-style", entry.id);
        remember(base, entry, style.lang);
      })
      .catch(function (err) {
        out.textContent = "This style could not be loaded (" + err.message + ").";
        out.refkbCopy = null;
        root.setAttribute("data-state", "error");
      });
  }
  function setUp(root) {
    if (root.getAttribute("data-ready")) { return; }
    root.setAttribute("data-ready", "1");
    var base = root.getAttribute("data-base");
    var filter = root.querySelector('[data-picker="filter"]');
    var select = root.querySelector('[data-picker="style"]');
    var index = null, byId = {};
    var kept = remembered(base);
    function fill() {
      if (!index) { return; }
      var q = (filter.value || "").trim().toLowerCase();
      var chosen = select.value;
      var shown = index.styles.filter(function (s) {
        return !q || s.title.toLowerCase().indexOf(q) !== -1 || s.id.indexOf(q) !== -1;
      }).slice(0, 300);
      while (select.options.length > 1) { select.remove(1); }
      shown.forEach(function (s) {
        var o = document.createElement("option");
        o.value = s.id;
        o.textContent = s.title;
        select.appendChild(o);
      });
      if (chosen && byId[chosen] && !shown.some(function (s) { return s.id === chosen; })) {
        var o = document.createElement("option");
        o.value = chosen;
        o.textContent = byId[chosen].title;
        select.appendChild(o);
      }
      if (chosen && byId[chosen]) { select.value = chosen; }
      select.options[0].textContent = shown.length ? "Choose a style… (" + shown.length +
        (shown.length === 300 ? "+" : "") + ")" : "No style matches";
    }
    function load() {
      if (index) { return Promise.resolve(index); }
      return get(base + "index.json", true).then(function (data) {
        index = data;
        index.styles.forEach(function (s) { byId[s.id] = s; });
        root.setAttribute("data-index-loaded", String(index.styles.length));
        fill();
        return index;
      });
    }
    ["focus", "pointerdown"].forEach(function (ev) {
      filter.addEventListener(ev, load);
      select.addEventListener(ev, load);
    });
    filter.addEventListener("input", function () { load().then(fill); });
    var siteLocales = JSON.parse(root.getAttribute("data-locales") || "{}"); /* the site's four styles: its locales */
    select.addEventListener("change", function () {
      var entry = byId[select.value];
      if (entry && siteLocales[entry.id]) { entry = Object.assign({}, entry, { lang: siteLocales[entry.id] }); }
      if (entry) { format(root, entry, index); }
    });
    root.hidden = false;
    if (kept) { /* the style this reader chose on another page: formatted without loading the index */
      var o = document.createElement("option");
      o.value = kept.id;
      o.textContent = kept.title || kept.id;
      select.appendChild(o);
      select.value = kept.id;
      format(root, kept, null);
    }
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-picker]"), setUp);
  }
  window.refkbStyles = { prepare: prepare, render: render, remembered: remembered };
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
