"""A style's engine loaded with the library registered and nothing formatted: the citeproc-js side of
refkb.engine's `Citeproc.register`.

mkdocs serve loads the style engines in the background after a first build that took every style from the disk
cache (`styles.Renderer.warm_up`). What the next load of a style needs, to format only the works that changed
(`refkbLoad`'s incremental path), is the engine with the library registered (sort keys, disambiguation: citeproc-js's
`updateItems`, most of a load's time) and the style's last bibliography, which the cache's records give
(`stylerecords.bibliography`). The list, each work's citation and the works alone are not formatted: about half a
load's time. Runs after refkb.engine's own functions (`refkbGroup`, `refkbRid`, `refkbForget`).
"""

from __future__ import annotations

JS = r"""
function refkbRegister(name, styleXml, lang) {
  // A style's engine made and the library registered in it (sort keys, disambiguation), nothing formatted: what a
  // later refkbLoad of the style needs to format only what changed, given the entries its caller kept (mkdocs
  // serve's engines loaded in the background, from the disk cache's records). Returns the order.
  var ids = REFKB.ids, now = {}, family = {}, rids = [];
  for (var i = 0; i < ids.length; i++) {
    now[ids[i]] = REFKB.version[ids[i]];
    family[ids[i]] = refkbGroup(REFKB.current[ids[i]]);
    rids.push(refkbRid(ids[i]));
  }
  var eng = new CSL.Engine(refkbGlue.sys(REFKB.sys, styleXml), styleXml, lang, true);
  eng.setOutputFormat("html");
  eng.updateItems(rids);
  eng.tmp.taintedItemIDs = {};  // as in refkbLoad
  var order = eng.registry.getSortedIds().map(function (rid) { return REFKB.items[rid].system_id; });
  REFKB.styles[name] = {xml: styleXml, lang: lang, eng: eng, seen: now, family: family, order: order, labels: {}};
  REFKB.engines[name] = eng;
  refkbForget();
  return JSON.stringify(order);
}
function refkbDrop(name) { delete REFKB.styles[name]; delete REFKB.engines[name]; refkbForget(); return true; }
"""
