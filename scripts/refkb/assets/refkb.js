/* refkb: client-side filters for tables (the claims ledger). Without JavaScript the full table shows. */
(function () {
  "use strict";
  function setUp(controls) {
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
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refkb-filter]"), setUp);
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
