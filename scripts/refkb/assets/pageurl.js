/* refkb: a cite block's stable URL is the page's path from the site root when mkdocs.yml sets no site_url; in the
   browser it becomes the full address the reader sees (what a citation needs). */
(function () {
  "use strict";
  function widen() {
    Array.prototype.forEach.call(document.querySelectorAll(".refkb-page-url[data-href]"), function (span) {
      try {
        var url = new URL(span.getAttribute("data-href"), window.location.href);
        url.search = "";
        url.hash = "";
        span.textContent = url.href;
      } catch (e) { /* keep the path */ }
    });
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(widen);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", widen);
  } else {
    widen();
  }
})();
