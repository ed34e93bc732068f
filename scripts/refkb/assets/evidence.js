/* refkb evidence map: the library's coding facets (used by refkb.js's library browser) and the interactive
   evidence-gap map on the dashboard. Without JavaScript the full library and the build-time map views show. */
(function () {
  "use strict";

  /* Facets: one group of checkboxes per dimension. Values of one dimension combine with "or", dimensions with
     "and". Counts are live: each value's count is the number of rows that the other filters and the other
     dimensions let through and that carry the value. State in the URL as repeated parameters (?platforms=a&...). */
  window.refkbFacets = function (rows, apply) {
    var box = document.querySelector("[data-refkb-facets]");
    if (!box) { return null; }
    var boxes = Array.prototype.slice.call(box.querySelectorAll('input[type="checkbox"]'));
    var dims = [];
    boxes.forEach(function (b) { if (dims.indexOf(b.name) === -1) { dims.push(b.name); } });
    var values = rows.map(function (row) {
      var v = {};
      dims.forEach(function (d) { v[d] = (row.getAttribute("data-" + d) || "").split(" ").filter(Boolean); });
      return v;
    });
    var params = new URLSearchParams(window.location.search);
    boxes.forEach(function (b) { b.checked = params.getAll(b.name).indexOf(b.value) !== -1; });
    function chosen() {
      var c = {};
      boxes.forEach(function (b) { if (b.checked) { (c[b.name] = c[b.name] || []).push(b.value); } });
      return c;
    }
    function passes(i, c, except) {
      return dims.every(function (d) {
        if (d === except || !c[d]) { return true; }
        return c[d].some(function (v) { return values[i][d].indexOf(v) !== -1; });
      });
    }
    var current = chosen();
    box.addEventListener("change", function () { current = chosen(); apply(); });
    var clear = box.querySelector(".refkb-facets-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        boxes.forEach(function (b) { b.checked = false; });
        current = {};
        apply();
      });
    }
    box.hidden = false;
    Array.prototype.forEach.call(box.querySelectorAll("details"), function (d) {
      if (current[d.getAttribute("data-dim")]) { d.open = true; }
    });
    return {
      test: function (row) { return passes(rows.indexOf(row), current, null); },
      count: function (base) {
        boxes.forEach(function (b) {
          var n = 0;
          for (var i = 0; i < rows.length; i += 1) {
            if (base[i] && passes(i, current, b.name) && values[i][b.name].indexOf(b.value) !== -1) { n += 1; }
          }
          var out = b.parentNode.querySelector(".refkb-facet-count");
          if (out) { out.textContent = String(n); }
          b.parentNode.parentNode.classList.toggle("refkb-facet--none", n === 0 && !b.checked);
        });
        Array.prototype.forEach.call(box.querySelectorAll("details"), function (d) {
          var k = (current[d.getAttribute("data-dim")] || []).length;
          d.querySelector(".refkb-facet-chosen").textContent = k ? "(" + k + " chosen)" : "";
        });
      },
      write: function (search) {
        dims.forEach(function (d) { (current[d] || []).forEach(function (v) { search.append(d, v); }); });
      }
    };
  };

  /* The evidence-gap map: rows, columns and any number of filters chosen from the axes, all in the address
     (rows=, cols=, filter=axis:value, cell=row|col), so that a view can be shared and survives a reload. Each cell
     shows its count and the share of its sources appraised with high or moderate confidence; a click on a cell lists
     its sources with their design and confidence. */
  function setUpMap(root) {
    if (root.getAttribute("data-ready")) { return; }
    root.setAttribute("data-ready", "1");
    var data = JSON.parse(root.querySelector(".refkb-map-data").textContent);
    var form = root.querySelector("form");
    var table = root.querySelector(".refkb-map-grid");
    var panel = root.querySelector(".refkb-map-cell");
    var chips = root.querySelector(".refkb-map-filters");
    var params = new URLSearchParams(window.location.search);
    form.elements.rows.value = data.axes[params.get("rows")] ? params.get("rows") : "topic";
    form.elements.cols.value = data.axes[params.get("cols")] ? params.get("cols") : "design";
    var filters = params.getAll("filter").map(function (f) {
      var at = f.indexOf(":");
      return at > 0 ? {axis: f.slice(0, at), value: f.slice(at + 1)} : null;
    }).filter(function (f) { return f && data.axes[f.axis] && label(f.axis, f.value) !== null; });
    var opened = (params.get("cell") || "").split("|");

    function el(tag, attrs, text) {
      var e = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) { e.textContent = text; }
      return e;
    }
    function label(axis, value) {
      var found = data.axes[axis].values.filter(function (v) { return v[0] === value; });
      return found.length ? found[0][1] : null;
    }
    function weighty(s) { return s.confidence === "high" || s.confidence === "moderate"; }
    function shown() {  // filters on one axis are alternatives; on different axes, all must hold
      var byAxis = {};
      filters.forEach(function (f) { (byAxis[f.axis] = byAxis[f.axis] || []).push(f.value); });
      return data.sources.filter(function (s) {
        return Object.keys(byAxis).every(function (a) {
          return byAxis[a].some(function (v) { return s.axes[a].indexOf(v) !== -1; });
        });
      });
    }
    function cell(pool, r, c, rows, cols) {
      return pool.filter(function (s) { return s.axes[rows].indexOf(r) !== -1 && s.axes[cols].indexOf(c) !== -1; });
    }
    function share(found) {
      return found.length ? Math.round(100 * found.filter(weighty).length / found.length) : 0;
    }
    function fillValues() {
      var axis = data.axes[form.elements.faxis.value];
      var select = form.elements.fvalue;
      select.textContent = "";
      axis.values.forEach(function (v) { select.appendChild(el("option", {"value": v[0]}, v[1])); });
    }
    function drawChips() {
      chips.textContent = "";
      filters.forEach(function (f, i) {
        var li = el("li");
        li.appendChild(document.createTextNode(data.axes[f.axis].label + ": " + label(f.axis, f.value) + " "));
        var x = el("button", {"type": "button", "class": "refkb-map-remove",
                              "aria-label": "Remove the filter " + data.axes[f.axis].label + ": " + label(f.axis, f.value)},
                   "×");
        x.addEventListener("click", function () { filters.splice(i, 1); opened = []; panel.textContent = ""; draw(); });
        li.appendChild(x);
        chips.appendChild(li);
      });
    }
    function show(rAxis, cAxis, r, c) {
      var found = cell(shown(), r, c, rAxis, cAxis);
      var rl = label(rAxis, r), cl = label(cAxis, c);
      opened = [r, c];
      panel.textContent = "";
      panel.appendChild(el("h3", {}, rl + " × " + cl + ": " + found.length + " source" + (found.length === 1 ? "" : "s") +
        (found.length && data.appraised ? ", " + share(found) + "% high or moderate confidence" : "")));
      if (!found.length) {
        panel.appendChild(el("p", {}, "No source in the library. Whether that is a gap in the evidence or in our " +
          "searching: see which searches aimed at it in the search log on the methodology page."));
      } else {
        var ul = el("ul", {"class": "refkb-map-sources"});
        found.forEach(function (s) {
          var li = el("li");
          li.appendChild(el("span", {"class": "refkb-year"}, (s.year || "n.d.") + " "));
          li.appendChild(document.createTextNode((s.authors || "No author") + " — "));
          li.appendChild(el("a", {"href": s.url}, s.title));
          li.appendChild(el("span", {"class": "refkb-map-design"}, " · " + (s.design.join(", ") || "design not coded")));
          if (s.confidence) {
            li.appendChild(el("span", {"class": "refkb-map-confidence refkb-confidence-" + s.confidence},
                              " · " + s.confidence + " confidence"));
          }
          ul.appendChild(li);
        });
        panel.appendChild(ul);
      }
      panel.setAttribute("data-row", r);
      panel.setAttribute("data-col", c);
      panel.setAttribute("data-keys", found.map(function (s) { return s.key; }).join(" "));  // selection.js exports them
      panel.setAttribute("data-records", data.library + "records.json");
      if (found.length) { panel.dispatchEvent(new CustomEvent("refkb:cell", { bubbles: true })); }
      remember();
    }
    function remember() {
      var search = new URLSearchParams(window.location.search);
      ["rows", "cols", "filter", "cell"].forEach(function (k) { search.delete(k); });
      search.set("rows", form.elements.rows.value);
      search.set("cols", form.elements.cols.value);
      filters.forEach(function (f) { search.append("filter", f.axis + ":" + f.value); });
      if (opened.length === 2 && opened[0]) { search.set("cell", opened[0] + "|" + opened[1]); }
      window.history.replaceState(null, "", window.location.pathname + "?" + search.toString() + window.location.hash);
    }
    function draw() {
      var rows = form.elements.rows.value, cols = form.elements.cols.value;
      var ra = data.axes[rows], ca = data.axes[cols];
      var pool = shown();
      var peak = 1, grid = {};
      ra.values.forEach(function (rv) {
        ca.values.forEach(function (cv) {
          var found = cell(pool, rv[0], cv[0], rows, cols);
          grid[rv[0] + "\u0000" + cv[0]] = found;
          peak = Math.max(peak, found.length);
        });
      });
      drawChips();
      table.querySelector("caption").textContent = "Sources per " + ra.label.toLowerCase() + " and " +
        ca.label.toLowerCase() + (filters.length ? ", of the " + pool.length + " that pass the filters" : "") +
        ". Each cell: the count" + (data.appraised ? " and the share with high or moderate confidence" : "") +
        ". Choose a cell to list its sources.";
      var head = table.tHead, body = table.tBodies[0];
      head.textContent = "";
      body.textContent = "";
      var tr = el("tr");
      tr.appendChild(el("th", {"scope": "col"}, ra.label + " \\ " + ca.label));
      ca.values.forEach(function (cv) { tr.appendChild(el("th", {"scope": "col"}, cv[1])); });
      head.appendChild(tr);
      ra.values.forEach(function (rv) {
        var row = el("tr");
        row.appendChild(el("th", {"scope": "row"}, rv[1]));
        ca.values.forEach(function (cv) {
          var found = grid[rv[0] + "\u0000" + cv[0]];
          var n = found.length;
          var primary = found.filter(function (s) { return s.primary; }).length;
          var state = n === 0 ? "gap" : n <= data.thin ? "thin" : "ok";
          var band = n ? Math.min(4, Math.floor(5 * primary / n)) : "gap";
          var td = el("td", {"class": "refkb-map-td refkb-cell--" + state});
          var text = rv[1] + " × " + cv[1] + ": " + (n ? n + " source" + (n === 1 ? "" : "s") + ", " + primary +
            " primary empirical" + (data.appraised ? ", " + share(found) + "% high or moderate confidence" : "")
            : "no source (gap)") + (state === "thin" ? " (thin)" : "");
          var b = el("button", {"type": "button", "class": "refkb-map-button", "aria-label": text, "title": text,
                                "data-row": rv[0], "data-col": cv[0], "data-count": String(n),
                                "data-share": String(share(found))});
          var size = n ? Math.round(12 + 26 * Math.sqrt(n / peak)) : 12;
          var dot = el("span", {"class": "refkb-map-dot refkb-bubble--s" + band + " refkb-map-dot--" + state,
                                "aria-hidden": "true"});
          dot.style.width = size + "px";
          dot.style.height = size + "px";
          b.appendChild(dot);
          b.appendChild(el("span", {"class": "refkb-map-n", "aria-hidden": "true"}, n ? String(n) : "–"));
          if (n && data.appraised) {
            b.appendChild(el("span", {"class": "refkb-map-share", "aria-hidden": "true"}, share(found) + "%"));
          }
          b.addEventListener("click", function () { show(rows, cols, rv[0], cv[0]); panel.focus(); });
          td.appendChild(b);
          row.appendChild(td);
        });
        body.appendChild(row);
      });
      remember();
    }
    form.elements.faxis.addEventListener("change", fillValues);
    root.querySelector(".refkb-map-add").addEventListener("click", function () {
      var f = {axis: form.elements.faxis.value, value: form.elements.fvalue.value};
      if (!filters.some(function (g) { return g.axis === f.axis && g.value === f.value; })) { filters.push(f); }
      opened = [];
      panel.textContent = "";
      draw();
    });
    form.addEventListener("change", function (e) {
      if (e.target === form.elements.faxis || e.target === form.elements.fvalue) { return; }
      opened = [];
      panel.textContent = "";
      draw();
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    root.hidden = false;
    /* One map: the static views are the fallback for browsers without JavaScript (and for print). */
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-map-static]"), function (s) { s.hidden = true; });
    fillValues();
    draw();
    if (opened.length === 2 && label(form.elements.rows.value, opened[0]) !== null &&
        label(form.elements.cols.value, opened[1]) !== null) {
      show(form.elements.rows.value, form.elements.cols.value, opened[0], opened[1]);
    } else {
      opened = [];
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-map]"), setUpMap);
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
