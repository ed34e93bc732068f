"""refkb.datapackage: the package validated by the `frictionless` library itself (an oracle that shares nothing with
refkb), its JSON-LD, and the knowledge base's own built package (tests/test_reader_browser.py validates the one the
site ships)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import frictionless

from conftest import ROOT
from refkb import appraisal, coded, datapackage, searchlog


def _log() -> searchlog.Log:
    s = searchlog.Search("s001", dt.date(2026, 12, 5), "web-search", "Stored pages", "a, b", 4, ("k1",), {}, 1)
    x = searchlog.Screened("A report, with a comma", "s001", "out-of-scope", 'Says "other" things', 9)
    return searchlog.Log("l", 6, (s,), (x,))


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path / "datapackage.json"


def test_package_validates_with_frictionless(tmp_path: Path) -> None:
    item = appraisal.Item("authority", "yes", "Named, with standing.")
    rows = [appraisal.as_row("k1", appraisal.Appraisal("aacods", (item,))), appraisal.as_row("k2", None)]
    coding = "key,title\r\nk1,A title\r\nk2,Another\r\n"
    resources = [
        datapackage.coding_resource(("key", "title"), coding),
        datapackage.appraisal_resource(rows),
        datapackage.searches_resource(_log()),
        datapackage.screening_resource(_log()),
    ]
    path = write(tmp_path, datapackage.package(resources, "kb", "KB data", "1.2.3", "https://example.org/"))
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["type", "note"])
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    assert descriptor["version"] == "1.2.3"
    assert [r["name"] for r in descriptor["resources"]] == ["coding", "appraisal", "searches", "screening"]
    import csv

    with (tmp_path / "screening.csv").open(encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert table[0]["candidate"] == "A report, with a comma"  # quoted as CSV wants


def test_json_ld_is_a_dataset_and_cannot_close_its_script() -> None:
    text = datapackage.json_ld("N</script>", "D", "1", "https://example.org", ["coding.csv"])
    assert "</" not in text
    data = json.loads(text)
    assert data["@type"] == "Dataset"
    assert data["distribution"][0]["contentUrl"] == "https://example.org/downloads/coding.csv"


def test_export_columns_are_the_coding_resources_fields() -> None:
    resource = datapackage.coding_resource(coded.EXPORT_COLUMNS, ",".join(coded.EXPORT_COLUMNS) + "\r\n")
    assert [f.name for f in resource.fields] == list(coded.EXPORT_COLUMNS)
    assert (ROOT / "docs" / "searches.yml").is_file()
