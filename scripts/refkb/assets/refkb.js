/* refkb: client-side filters for the claims ledger and the library. Without JavaScript the full tables show. */
(function () {
  "use strict";
  function setUpTable(controls) {
    var name = controls.getAttribute("data-refkb-filter");
    var table = document.querySelector('[data-refkb-table="' + name + '"]');
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var fields = Array.prototype.slice.call(controls.querySelectorAll("[data-filter]"));
    var count = controls.querySelector(".refkb-count");
    var params = new URLSearchParams(window.location.search);
    fields.forEach(function (f) {
      var v = params.get(f.getAttribute("data-filter"));
      if (v !== null) { f.value = v; }
    });
    function apply() {
      var wanted = {};
      fields.forEach(function (f) { wanted[f.getAttribute("data-filter")] = f.value.trim().toLowerCase(); });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = true;
        Object.keys(wanted).forEach(function (key) {
          var want = wanted[key];
          if (!want) { return; }
          if (key === "text") {
            ok = ok && row.textContent.toLowerCase().indexOf(want) !== -1;
          } else {
            ok = ok && (row.getAttribute("data-" + key) || "").toLowerCase() === want;
          }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (count) { count.textContent = shown + " of " + rows.length; }
      var search = new URLSearchParams();
      fields.forEach(function (f) { if (f.value) { search.set(f.getAttribute("data-filter"), f.value); } });
      var query = search.toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    }
    fields.forEach(function (f) { f.addEventListener("input", apply); f.addEventListener("change", apply); });
    controls.hidden = false;
    apply();
  }

  /* The library browser. Filters the rendered table (so the full list shows without JavaScript), searches author,
     title and the annotation's summary from the JSON index, sorts, counts, and keeps its state in the URL. */
  function setUpBrowser(form) {
    var table = document.querySelector("[data-refkb-library]");
    if (!table || form.getAttribute("data-ready")) { return; }
    form.setAttribute("data-ready", "1");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var byKey = {};
    rows.forEach(function (row) { byKey[row.getAttribute("data-key")] = row; });
    var text = {};
    rows.forEach(function (row) { text[row.getAttribute("data-key")] = row.textContent.toLowerCase(); });
    var count = form.querySelector(".refkb-count");
    var fields = Array.prototype.slice.call(form.elements).filter(function (f) { return f.name; });
    var params = new URLSearchParams(window.location.search);
    fields.forEach(function (f) { if (params.has(f.name)) { f.value = params.get(f.name); } });
    /* The evidence-coding facets (evidence.js), when the page has them. */
    var facets = window.refkbFacets ? window.refkbFacets(rows, apply) : null;

    function value(name) {
      var f = form.elements.namedItem(name);
      return f ? String(f.value).trim().toLowerCase() : "";
    }
    function apply() {
      var topic = value("topic"), kind = value("kind"), type = value("type"), q = value("text");  // not "q": Material's search reads ?q= from any address
      var from = parseInt(value("from"), 10), to = parseInt(value("to"), 10);
      var shown = 0, base = [];
      rows.forEach(function (row) {
        var year = parseInt(row.getAttribute("data-year"), 10);
        var ok = (!topic || (" " + row.getAttribute("data-topics") + " ").indexOf(" " + topic + " ") !== -1) &&
          (!kind || row.getAttribute("data-kind") === kind) &&
          (!type || row.getAttribute("data-type") === type) &&
          (isNaN(from) || (!isNaN(year) && year >= from)) &&
          (isNaN(to) || (!isNaN(year) && year <= to)) &&
          (!q || q.split(/\s+/).every(function (w) { return text[row.getAttribute("data-key")].indexOf(w) !== -1; }));
        if (facets) { base.push(ok); ok = ok && facets.test(row); }
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      if (facets) { facets.count(base); }
      var sort = value("sort") || "author";
      var sorted = rows.slice().sort(function (a, b) {
        var ya = parseInt(a.getAttribute("data-year"), 10) || 0, yb = parseInt(b.getAttribute("data-year"), 10) || 0;
        if (sort === "year") { return ya - yb || rows.indexOf(a) - rows.indexOf(b); }
        if (sort === "year-desc") { return yb - ya || rows.indexOf(a) - rows.indexOf(b); }
        if (sort === "title") { return a.cells[2].textContent.localeCompare(b.cells[2].textContent); }
        return rows.indexOf(a) - rows.indexOf(b);
      });
      sorted.forEach(function (row) { body.appendChild(row); });
      if (count) { count.textContent = shown + " of " + rows.length + " sources"; }
      var search = new URLSearchParams();
      fields.forEach(function (f) {
        if (f.value && !(f.name === "sort" && f.value === "author")) { search.set(f.name, f.value); }
      });
      if (facets) { facets.write(search); }
      var query = search.toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.hidden = false;
    apply();
    var index = form.getAttribute("data-index");
    if (index && window.fetch) {
      window.fetch(index).then(function (r) { return r.ok ? r.json() : []; }).then(function (records) {
        records.forEach(function (rec) {
          if (byKey[rec.key]) {
            text[rec.key] = [rec.authors, rec.title, rec.summary, rec.key].join(" ").toLowerCase();
          }
        });
        form.setAttribute("data-index-loaded", String(records.length));
        apply();
      }).catch(function () { /* the table's own text is still searched */ });
    }
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-filter]"), setUpTable);
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-browser]"), setUpBrowser);
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
/* refkb: the copy button of each formatted citation. It puts the citation on the clipboard twice over, as HTML
   (italics kept when pasted into a word processor) and as plain text; where the style prints an access date, the
   copy carries today's date in the style's form, since the reader is the one who accessed the work (a record's
   BibTeX urldate or RIS Y2 too). */
(function () {
  "use strict";
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December"];
  var MLA = ["Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."];
  function today(form, now) {
    var d = now.getDate(), m = now.getMonth(), y = now.getFullYear();
    if (form === "mdy") { return MONTHS[m] + " " + d + ", " + y; }
    if (form === "dmy-short") { return d + " " + MLA[m] + " " + y; }
    if (form === "iso") { /* a record's access date: BibTeX's urldate, RIS's Y2 (refkb.exports writes it ISO) */
      var two = function (n) { return (n < 10 ? "0" : "") + n; };
      return [y, two(m + 1), two(d)].join("-");
    }
    return d + " " + MONTHS[m] + " " + y;
  }
  function escapeHtml(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  /* The citation as {html, text}, with the reader's access date. */
  function citation(el, now) {
    if (typeof el.refkbCopy === "function") { return el.refkbCopy(now); } /* the style picker's and the export's own */
    var html = el.innerHTML, text = el.textContent;
    var old = el.getAttribute("data-accessed");
    if (old) {
      var fresh = el.getAttribute("data-accessed-label") + today(el.getAttribute("data-accessed-form"), now);
      html = html.split(escapeHtml(old)).join(escapeHtml(fresh));
      text = text.split(old).join(fresh);
    }
    return { html: html, text: text };
  }
  function fallback(c) {
    /* execCommand copies the selection's HTML and text where the async clipboard is missing (http, old browsers). */
    var box = document.createElement("div");
    box.innerHTML = c.html;
    box.style.position = "fixed"; box.style.left = "-9999px";
    document.body.appendChild(box);
    var range = document.createRange(); range.selectNodeContents(box);
    var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    sel.removeAllRanges(); document.body.removeChild(box);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  function copy(c) {
    var clip = navigator.clipboard;
    if (clip && clip.write && window.ClipboardItem) {
      var item = new window.ClipboardItem({
        "text/html": new Blob([c.html], { type: "text/html" }),
        "text/plain": new Blob([c.text], { type: "text/plain" })
      });
      return clip.write([item]).catch(function () { return fallback(c); });
    }
    if (clip && clip.writeText) { return clip.writeText(c.text).catch(function () { return fallback(c); }); }
    return fallback(c);
  }
  function done(button, ok) {
    button.setAttribute("data-copied", ok ? "yes" : "no");
    button.title = ok ? "Copied" : "Copying failed: select the citation and copy it";
  }
  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest ? e.target.closest("[data-refkb-copy]") : null;
    if (!button) { return; }
    var el = document.querySelector(button.getAttribute("data-refkb-copy"));
    if (!el) { return; }
    e.preventDefault();
    copy(citation(el, new Date())).then(function () { done(button, true); }, function () { done(button, false); });
  });
  window.refkbCitation = citation; /* for the browser tests */
  window.refkbCopy = function (el) { return copy(citation(el, new Date())); }; /* the library's export */
})();
