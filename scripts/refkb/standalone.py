"""Which works the library's engine formats alone, and how: the citeproc-js side of refkb.engine's `refkbAlone`.

A reader copies a work's citation from its own page: the work as a one-item bibliography, with no year suffix, no
names added to tell it from another work and no repeated-author dash. `refkbAlone` formats alone only the works
whose list entry can differ from that (`refkbAsAlone` says which cannot, from what citeproc-js's registry holds
after the library's bibliography; for a work whose first author is alone in the library, `refkbNamesake`), in layers
of works that share no group and no family name (`refkbFamilies`), so that no work of a layer changes another's
entry. On ContextLab's lab bibliography (6,315 works, 4,073 sharing their first author with another) this formats
2,842 works alone in APA, 2,502 in MLA, 2,844 in Chicago and 298 in Harvard. tests/test_styles.py holds every
standalone entry to a one-item engine (refkb.reader).
"""

from __future__ import annotations

JS = r"""
(function () {
  // Each work's disambiguation settings as the registry first made them (its citation alone: the names its
  // et-al rules show, the given names its names register asks for), before disambiguation against other works
  // changes them: refkbAsAlone compares the two.
  var reg = CSL.Registry.prototype;
  var register = reg.registerAmbigToken;
  reg.registerAmbigToken = function (akey, id, config) {
    register.call(this, akey, id, config);
    if (this.refkbBasing && this.registry[id]) { this.registry[id].refkbBase = CSL.cloneAmbigConfig(config); }
  };
  ["doinserts", "dorefreshes"].forEach(function (step) {
    var run = reg[step];
    reg[step] = function () {
      this.refkbBasing = true;
      try { return run.apply(this, arguments); } finally { this.refkbBasing = false; }
    };
  });
})();
function refkbTestsDisambiguate(styleXml) {
  // Whether the style's bibliography (its layout and sort, and the macros they call) has a `disambiguate`
  // condition: only then does a work's disambiguate flag reach its list entry. Read from the text; anything it
  // cannot tell apart (a comment, a macro it cannot find) counts as a yes.
  var quoted = "\\s*=\\s*[\"']([^\"']*)[\"']";
  var macros = {}, m;
  var def = new RegExp("<macro\\s+name" + quoted + "[^>]*>([\\s\\S]*?)</macro>", "g");
  while ((m = def.exec(styleXml)) !== null) { macros[m[1]] = m[2]; }
  var bib = /<bibliography[\s>][\s\S]*<\/bibliography>/.exec(styleXml);
  var todo = [bib ? bib[0] : styleXml], seen = {}, uses = new RegExp("\\bmacro" + quoted, "g");
  while (todo.length) {
    var text = todo.pop();
    if (/\bdisambiguate\s*=/.test(text)) { return true; }
    while ((m = uses.exec(text)) !== null) {
      if (seen[m[1]]) { continue; }
      seen[m[1]] = true;
      if (macros[m[1]] === undefined) { return true; }
      todo.push(macros[m[1]]);
    }
  }
  return false;
}
function refkbAsAlone(eng, rid, entry, testsFlag) {
  // Whether a work's library entry is, as citeproc-js builds it, the entry it has alone, so that it need not be
  // formatted alone. A list entry reads from the library only: the work's year suffix; the names and given names
  // disambiguation added to its citation and its disambiguate flag (its registry settings against those the
  // registry first made, refkbBase); given names expanded because another person of the same family name is in the
  // library (a style's global givenname-disambiguation-rule: the names register); the subsequent-author-substitute
  // put in place of its names (then the entry holds the substitute). Any doubt is a no: the work is formatted alone.
  var reg = eng.registry.registry[rid];
  if (!reg || !reg.refkbBase || typeof entry !== "string") { return false; }
  var d = reg.disambig, base = reg.refkbBase;
  if (d.year_suffix !== false || (d.disambiguate && testsFlag)) { return false; }
  if (JSON.stringify([d.names, d.givens]) !== JSON.stringify([base.names, base.givens])) { return false; }
  var sub = eng.bibliography.opt["subsequent-author-substitute"];
  if (typeof sub === "string" && (!sub || /[&<>"']/.test(sub) || entry.indexOf(sub) >= 0)) { return false; }
  return !refkbNamesake(eng, rid);
}
function refkbNamesake(eng, rid) {
  // Whether a style's global givenname-disambiguation-rule (not by-cite) can print one of the work's names from the
  // library's names register: another person of the same family name (other initials, or the same initials and
  // other given names) anywhere in the library, in any group (an editor's name counts; under a primary-name rule,
  // the first name of each name variable). Chicago printed "Bower, G H." for "Bower, G. H." in a work whose first
  // author is alone in the library because another work's editor is "Gordon H. Bower".
  if (!eng.opt["disambiguate-add-givenname"] || eng.citation.opt["givenname-disambiguation-rule"] === "by-cite") {
    return false;
  }
  var namereg = eng.registry.namereg;
  var keys = namereg.nameind[rid] || {};
  for (var k in keys) {
    var part = k.split("::");
    var fam = namereg.namereg[part[0]];
    if (!fam || fam.count > 1 || (fam.ikey[part[1]] && fam.ikey[part[1]].count > 1)) { return true; }
  }
  return false;
}
function refkbFamilies(item) {
  // Every family (or literal) name of a work, in any name variable: works in one layer share none, so that no
  // name of one changes how another's is printed (a style's names register, its subsequent-author-substitute).
  var out = [];
  for (var v in item) {
    var names = item[v];
    if (!Array.isArray(names)) { continue; }
    for (var i = 0; i < names.length; i++) {
      var n = names[i];
      var family = n && typeof n === "object" ? n.family || n.literal : "";
      if (family) { out.push(String(family).toLowerCase()); }
    }
  }
  return out;
}
"""
