/* refkb: citation previews. Hovering, focusing or tapping an in-text citation shows the works it cites (as the
   page's style formats them, with type, year, topics and links); Escape, blur, a click elsewhere or moving away
   close it. The data is the page's own hidden <div id="refkb-previews" data-json> (written by the build); without JavaScript the
   citation is a plain link to the reference page. Events are delegated from the document, so Material's instant
   navigation (document$) needs no new listeners: each new page only closes an open preview. */
(function () {
  "use strict";
  var box = null, owner = null, openTimer = null, closeTimer = null, lastPointer = "mouse", parsed = null;
  var muted = null; /* the link focus returns to after Escape: it does not reopen */

  function data() {
    var el = document.getElementById("refkb-previews");
    if (!el) { return {}; }
    if (!parsed || parsed.el !== el) {
      var value = {};
      try { value = JSON.parse(el.getAttribute("data-json") || "{}"); } catch (e) { value = {}; }
      parsed = { el: el, value: value };
    }
    return parsed.value;
  }
  function citeOf(node) {
    return node && node.closest ? node.closest("a.refkb-cite") : null;
  }
  function keyOf(link) {
    var key = link.getAttribute("data-key");
    if (key) { return key; }
    var m = (link.getAttribute("href") || "").match(/\/([a-z0-9][a-z0-9-]*)\/?(?:[#?].*)?$/);
    return m ? m[1] : null;
  }
  function keysOf(link) {
    var group = link.closest(".refkb-citation");
    var links = group ? group.querySelectorAll("a.refkb-cite") : [link];
    var keys = [];
    Array.prototype.forEach.call(links, function (a) {
      var k = keyOf(a);
      if (k && keys.indexOf(k) === -1) { keys.push(k); }
    });
    return keys;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }
  function linkTo(href, text, external) {
    var a = el("a", "", text);
    a.href = href;
    if (external) { a.rel = "noopener noreferrer"; a.target = "_blank"; }
    return a;
  }
  function build(link) {
    var records = data();
    var keys = keysOf(link).filter(function (k) { return records[k]; });
    if (!keys.length) { return null; }
    var div = el("div", "refkb-preview");
    div.id = "refkb-preview";
    div.setAttribute("role", "dialog");
    div.setAttribute("aria-label", keys.length > 1 ? "Preview of the " + keys.length + " cited works" :
      "Preview of the cited work");
    keys.forEach(function (key) {
      var rec = records[key];
      var part = el("div", "refkb-preview__work");
      part.setAttribute("data-key", key);
      var ref = el("p", "refkb-preview__ref");
      ref.innerHTML = rec.html; /* safe HTML: formatted and escaped by the build */
      part.appendChild(ref);
      var meta = el("p", "refkb-preview__meta");
      meta.appendChild(el("span", "refkb-preview__type", rec.type));
      meta.appendChild(document.createTextNode(" · " + rec.year));
      if (rec.topics && rec.topics.length) {
        meta.appendChild(document.createTextNode(" · "));
        rec.topics.forEach(function (t, i) {
          if (i) { meta.appendChild(document.createTextNode(", ")); }
          meta.appendChild(linkTo(t.url, t.title, false));
        });
      }
      part.appendChild(meta);
      var links = el("p", "refkb-preview__links");
      links.appendChild(linkTo(rec.page, "About this source", false));
      if (rec.source) {
        links.appendChild(document.createTextNode(" · "));
        links.appendChild(linkTo(rec.source, "Source", true));
      }
      part.appendChild(links);
      div.appendChild(part);
    });
    return div;
  }
  function place() {
    if (!box || !owner) { return; }
    var r = owner.getBoundingClientRect();
    var w = box.offsetWidth, h = box.offsetHeight, vw = window.innerWidth, vh = window.innerHeight;
    var left = Math.max(8, Math.min(r.left, vw - w - 8));
    var top = r.bottom + 6;
    if (top + h > vh - 8 && r.top - h - 6 > 8) { top = r.top - h - 6; }
    box.style.left = left + "px";
    box.style.top = top + "px";
  }
  function open(link) {
    clearTimeout(openTimer);
    clearTimeout(closeTimer);
    if (owner === link && box) { return; }
    close(false);
    var div = build(link);
    if (!div) { return; }
    box = div;
    owner = link;
    if (link.hasAttribute("title")) { /* the preview says it all: no native tooltip over it */
      link.setAttribute("data-refkb-title", link.getAttribute("title"));
      link.removeAttribute("title");
    }
    /* Right after the link, so Tab moves into the preview's links; out of the flow, so nothing moves. */
    link.parentNode.insertBefore(box, link.nextSibling);
    link.setAttribute("aria-expanded", "true");
    link.setAttribute("aria-controls", box.id);
    place();
  }
  function close(refocus) {
    clearTimeout(openTimer);
    clearTimeout(closeTimer);
    if (box && box.parentNode) { box.parentNode.removeChild(box); }
    if (owner) {
      owner.removeAttribute("aria-expanded");
      owner.removeAttribute("aria-controls");
      if (refocus) { muted = owner; owner.focus(); }
    }
    box = null;
    owner = null;
  }
  function inside(node) {
    return !!node && ((box && box.contains(node)) || (owner && owner.contains(node)));
  }
  function later(fn, ms) { return setTimeout(fn, ms); }

  var tapHadPreview = false; /* whether the tapped citation's preview was open before this tap */
  document.addEventListener("pointerdown", function (e) {
    lastPointer = e.pointerType || "mouse";
    var link = citeOf(e.target);
    tapHadPreview = !!(link && box && owner === link);
  }, true);
  document.addEventListener("mouseover", function (e) {
    var link = citeOf(e.target);
    if (link && lastPointer !== "touch") {
      clearTimeout(closeTimer);
      clearTimeout(openTimer);
      openTimer = later(function () { open(link); }, 120);
    } else if (inside(e.target)) {
      clearTimeout(closeTimer);
    }
  });
  document.addEventListener("mouseout", function (e) {
    if (citeOf(e.target)) { clearTimeout(openTimer); }
    if (box && inside(e.target) && !inside(e.relatedTarget) && !(box.contains(document.activeElement) ||
        owner === document.activeElement)) {
      closeTimer = later(function () { close(false); }, 300);
    }
  });
  document.addEventListener("focusin", function (e) {
    var link = citeOf(e.target);
    if (link && link === muted) { muted = null; return; }
    muted = null;
    if (link) { open(link); } else if (inside(e.target)) { clearTimeout(closeTimer); }
  });
  document.addEventListener("focusout", function (e) {
    if (box && inside(e.target) && !inside(e.relatedTarget)) {
      closeTimer = later(function () { if (!inside(document.activeElement)) { close(false); } }, 50);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (box && (e.key === "Escape" || e.key === "Esc")) {
      e.preventDefault();
      close(true);
    }
  });
  document.addEventListener("click", function (e) {
    var link = citeOf(e.target);
    if (link && lastPointer === "touch" && !tapHadPreview) {
      e.preventDefault(); /* the first tap previews; a second tap follows the link */
      open(link);
      tapHadPreview = true;
    } else if (box && !inside(e.target)) {
      close(false);
    }
  });
  window.addEventListener("scroll", place, { passive: true });
  window.addEventListener("resize", place);
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { close(false); parsed = null; });
  }
})();
