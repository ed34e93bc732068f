/* refkb: the style picker on reference pages. Formats the work in any CSL style, in the browser, with citeproc-js,
   from the work's own CSL-JSON download. Everything comes from this site: the style index when the picker is first
   used, then the engine, the chosen style (or a dependent style's parent) and its locale when a style is chosen. */
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
    }
    return cache[k];
  }
  var engineLoad = null;
  function engine(base) {
    if (window.CSL) { return Promise.resolve(window.CSL); }
    if (!engineLoad) {
      engineLoad = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = base + "citeproc.js";
        s.onload = function () { resolve(window.CSL); };
        s.onerror = function () { reject(new Error("citeproc.js did not load")); };
        document.head.appendChild(s);
      });
    }
    return engineLoad;
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
  function format(root, entry, index) {
    var base = root.getAttribute("data-base");
    var out = root.querySelector(".refkb-picker-output");
    out.textContent = "Formatting…";
    root.setAttribute("data-state", "loading");
    var styleId = entry.parent || entry.id;
    return Promise.all([engine(base), get(base + "styles/" + styleId + ".csl", false), get(root.getAttribute("data-item"), true)])
      .then(function (got) {
        var CSL = got[0], xml = got[1], items = got[2];
        var m = xml.match(/default-locale="([^"]+)"/);
        var lang = localeFor(entry.locale || (m ? m[1] : "en-US"), index);
        var needed = lang === "en-US" ? ["en-US"] : ["en-US", lang];
        return Promise.all(needed.map(function (l) { return get(base + "locales/locales-" + l + ".xml", false); }))
          .then(function (xmls) {
            var locales = {};
            needed.forEach(function (l, i) { locales[l] = xmls[i]; });
            var byId = {};
            items.forEach(function (it) { byId[it.id] = it; });
            var sys = {
              retrieveLocale: function (l) { return locales[l] || locales[localeFor(l, index)] || locales["en-US"]; },
              retrieveItem: function (id) { return byId[id]; }
            };
            var citeproc = new CSL.Engine(sys, xml, lang, true);
            var ids = Object.keys(byId);
            citeproc.updateItems(ids);
            var bib = citeproc.makeBibliography();
            var html;
            if (bib && bib[1] && bib[1].length) {
              html = bib[1].join("");
            } else { /* a style without a bibliography: its citation */
              html = citeproc.previewCitationCluster({ citationItems: ids.map(function (id) { return { id: id }; }),
                properties: { noteIndex: 1 } }, [], [], "html");
            }
            out.innerHTML = html;
            clean(out);
            root.setAttribute("data-state", "done");
            root.setAttribute("data-style", entry.id);
          });
      })
      .catch(function (err) {
        out.textContent = "This style could not be loaded (" + err.message + ").";
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
    select.addEventListener("change", function () {
      var entry = byId[select.value];
      if (entry) { format(root, entry, index); }
    });
    root.hidden = false;
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-picker]"), setUp);
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
