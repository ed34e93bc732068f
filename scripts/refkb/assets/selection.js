/* refkb: export the works shown — the filtered library, or an evidence-map cell's list — as RIS, BibTeX (biblatex)
   and CSL-JSON files, or copy them as a formatted bibliography, all in the browser. The files are the build's own
   downloads of each work (references/records.json, refkb.selection) joined as the whole library's files are joined
   (refkb.exports.joined_*); the bibliography is formatted by citeproc-js (picker.js) with the site's style files,
   with today's date as the access date where the style prints one. */
(function () {
  "use strict";
  /* The site's four styles (refkb.styles.STYLES: CSL file and locale; tests/test_selection.py holds them equal). */
  var MAIN = [
    { id: "apa", title: "APA 7", lang: "en-US" },
    { id: "modern-language-association", title: "MLA 9", lang: "en-US" },
    { id: "chicago-author-date", title: "Chicago (author-date)", lang: "en-US" },
    { id: "harvard-cite-them-right", title: "Harvard (Cite Them Right)", lang: "en-GB" }
  ];
  var FORMATS = {
    ris: { label: "RIS", ext: "ris", type: "application/x-research-info-systems", what: "EndNote, Zotero, Mendeley" },
    bib: { label: "BibTeX", ext: "bib", type: "application/x-bibtex", what: "biblatex: biber, pandoc, Zotero" },
    json: { label: "CSL-JSON", ext: "json", type: "application/vnd.citationstyles.csl+json", what: "citeproc, pandoc, Zotero" }
  };
  var loads = {};
  function records(url) {
    if (!loads[url]) {
      loads[url] = window.fetch(url).then(function (r) {
        if (!r.ok) { throw new Error(url + ": " + r.status); }
        return r.json();
      });
      loads[url].catch(function () { delete loads[url]; });
    }
    return loads[url];
  }
  /* The joins of refkb.exports: joined_bibtex, joined_ris, joined_csl_json. */
  function joined(format, parts) {
    if (format === "bib") { return parts.length ? parts.join("\n") : "\n"; }
    if (format === "ris") {
      return parts.map(function (p, i) { return p.indexOf("1.\n") === 0 ? (i + 1) + ".\n" + p.slice(3) : p; }).join("\n");
    }
    var items = [];
    parts.forEach(function (p) { items = items.concat(JSON.parse(p)); });
    return JSON.stringify(items, null, 2) + "\n";
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function save(name, text, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type + ";charset=utf-8" }));
    var a = el("a", { href: url, download: name });
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }
  function styleChoices(base) {
    var kept = window.refkbStyles ? window.refkbStyles.remembered(base) : null;
    var out = MAIN.slice();
    if (kept && !MAIN.some(function (s) { return s.id === kept.id; })) {
      out.unshift({ id: kept.id, parent: kept.parent, title: (kept.title || kept.id) + " (your style)", lang: kept.lang });
    }
    return out;
  }
  /* The export group: `keys()` gives the shown works' keys when a button is pressed. */
  function group(keys, url, what) {
    var base = new URL("../assets/refkb/csl/", new URL(url, window.location.href)).href;
    var box = el("div", { "class": "refkb-export", role: "group", "aria-label": "Export " + what });
    box.appendChild(el("span", { "class": "refkb-export-label" }, "Export " + what + ":"));
    var status = el("output", { "class": "refkb-export-status", "aria-live": "polite" });
    Object.keys(FORMATS).forEach(function (f) {
      var b = el("button", { type: "button", "class": "md-button refkb-export-button", "data-export": f,
        "aria-label": "Download " + what + " as " + FORMATS[f].label + " (" + FORMATS[f].what + ")" }, FORMATS[f].label);
      b.addEventListener("click", function () {
        var shown = keys();
        records(url).then(function (data) {
          var parts = shown.filter(function (k) { return data.works[k]; }).map(function (k) { return data.works[k][f]; });
          save("references-selection." + FORMATS[f].ext, joined(f, parts), FORMATS[f].type);
          status.textContent = parts.length + " work" + (parts.length === 1 ? "" : "s") + " as " + FORMATS[f].label + ".";
        }).catch(function (err) { status.textContent = "The records could not be loaded (" + err.message + ")."; });
      });
      box.appendChild(b);
    });
    var styles = styleChoices(base);
    var label = el("label", { "class": "refkb-export-style" }, "Bibliography style ");
    var select = el("select", {});
    styles.forEach(function (s, i) { select.appendChild(el("option", { value: String(i) }, s.title)); });
    label.appendChild(select);
    box.appendChild(label);
    var copy = el("button", { type: "button", "class": "md-button refkb-export-button", "data-export": "copy",
      "aria-label": "Copy " + what + " as a bibliography in the chosen style" }, "Copy bibliography");
    var preview = el("div", { "class": "refkb-export-bibliography refkb-formatted", role: "region", tabindex: "0",
      "aria-label": "The bibliography copied" }); /* scrolls: reachable by keyboard */
    preview.hidden = true;
    copy.addEventListener("click", function () {
      var entry = styles[Number(select.value)], shown = keys();
      if (!window.refkbStyles || !window.refkbCopy) { status.textContent = "Copying needs the site's scripts."; return; }
      status.textContent = "Formatting…";
      Promise.all([records(url), window.refkbStyles.prepare(base, entry, null)]).then(function (got) {
        var items = shown.filter(function (k) { return got[0].works[k]; }).map(function (k) { return got[0].works[k].item; });
        var c = window.refkbStyles.render(got[1], items, new Date());
        preview.innerHTML = c.shown;
        preview.hidden = !items.length;
        preview.refkbCopy = function () { return { html: c.html, text: c.text }; };
        preview.setAttribute("data-style", entry.id);
        preview.setAttribute("data-count", String(items.length));
        return window.refkbCopy(preview).then(function () {
          status.textContent = "Copied " + items.length + " reference" + (items.length === 1 ? "" : "s") + " in " +
            entry.title + ".";
          copy.setAttribute("data-copied", "yes");
        }, function () {
          status.textContent = "Copying failed: select the bibliography below and copy it.";
          copy.setAttribute("data-copied", "no");
        });
      }).catch(function (err) { status.textContent = "The style could not be loaded (" + err.message + ")."; });
    });
    box.appendChild(copy);
    box.appendChild(status);
    box.appendChild(preview);
    return box;
  }
  function setUpLibrary(form) {
    var url = form.getAttribute("data-records");
    var table = document.querySelector("[data-refkb-library]");
    if (!url || !table || form.getAttribute("data-export-ready")) { return; }
    form.setAttribute("data-export-ready", "1");
    var keys = function () {
      return Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; })
        .map(function (r) { return r.getAttribute("data-key"); });
    };
    form.parentNode.insertBefore(group(keys, url, "the works shown"), form.nextSibling);
  }
  /* An evidence-map cell's list (evidence.js puts the keys on the panel and tells with a "refkb:cell" event). */
  function setUpCell(panel) {
    var url = panel.getAttribute("data-records"), list = panel.getAttribute("data-keys");
    if (!url || !list || panel.querySelector(".refkb-export")) { return; }
    var keys = list.split(" ").filter(Boolean);
    panel.appendChild(group(function () { return keys; }, url, "this cell's works"));
  }
  document.addEventListener("refkb:cell", function (e) { setUpCell(e.target); });
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-browser][data-records]"), setUpLibrary);
    Array.prototype.forEach.call(document.querySelectorAll(".refkb-map-cell[data-keys]"), setUpCell);
  }
  window.refkbSelection = { joined: joined }; /* for the browser tests */
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
