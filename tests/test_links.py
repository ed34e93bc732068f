"""Link-rot defence: the built site offline; every URL online against a local server; archived copies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ANNOTATION, ROOT, LocalServer, write_project
from refkb import bibfile, links

OK = (200, {"Content-Type": "text/html"}, b"<html>ok</html>")


def entry(key: str, url: str) -> str:
    fields = [
        "author = {{Org}}",
        f"title = {{Page {key}}}",
        f"url = {{{url}}}",
        "urldate = {2020-01-15}",
        "keywords = {data-measurement}",
        "sourcekind = {ngo}",
    ]
    return f"@online{{{key},\n" + "".join(f"  {f},\n" for f in fields) + "}\n\n"


@pytest.fixture
def site(server: LocalServer, tmp_path: Path) -> tuple[Path, LocalServer]:
    s = server
    s.routes["/ok"] = OK
    s.routes["/dead"] = (404, {}, b"gone")
    s.routes["/gone"] = (410, {}, b"gone")
    s.routes["/moved"] = (301, {"Location": "/ok"}, b"")
    s.routes["/flaky"] = [(503, {}, b"busy"), OK]
    s.routes["/nohead"] = lambda method, path: (405, {}, b"") if method == "HEAD" else OK
    s.routes["/wayback/available"] = lambda method, path: (
        200,
        {"Content-Type": "application/json"},
        json.dumps(
            {
                "url": "x",
                "archived_snapshots": {
                    "closest": {
                        "status": "200",
                        "available": True,
                        "timestamp": "20200115000000",
                        "url": f"http://web.archive.org/web/20200115000000/{s.base}/dead",
                    }
                },
            }
        ).encode()
        if "dead" in path
        else json.dumps({"url": "x", "archived_snapshots": {}}).encode(),
    )
    keys = ["orgndpageok", "dead", "gone", "moved", "flaky", "nohead"]
    bib = "".join(entry(k, f"{s.base}/{'ok' if k == 'orgndpageok' else k}") for k in keys)
    root = write_project(
        tmp_path, bib, dict.fromkeys(keys, ANNOTATION), {"topics/t.md": "# T\n\nCited [@dead] here.\n"}
    )
    return root, s


def run(root: Path, server: LocalServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PYTHONPATH": str(ROOT / "scripts"),
        "PATH": "/usr/bin:/bin",
        "REFKB_WAYBACK_URL": server.base,
        "NO_MKDOCS_2_WARNING": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "refkb", "check-links", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_online_check_reports_each_kind_of_link(site: tuple[Path, LocalServer]) -> None:
    root, server = site
    result = run(root, server, "--online", "--json", "--delay", "0", "--retries", "2", "--timeout", "5")
    assert result.returncode == 1, result.stderr
    by_key = {r["key"]: r for r in json.loads(result.stdout)}
    assert by_key["orgndpageok"]["status"] == "ok"
    assert (by_key["dead"]["status"], by_key["dead"]["code"]) == ("dead", 404)
    assert (by_key["gone"]["status"], by_key["gone"]["code"]) == ("dead", 410)
    assert by_key["moved"]["status"] == "redirect"
    assert by_key["moved"]["final_url"] == f"{server.base}/ok"
    assert by_key["flaky"]["status"] == "ok", "a 503 is retried"
    assert by_key["nohead"]["status"] == "ok", "a server refusing HEAD is asked with GET"
    assert by_key["dead"]["archive"] == f"https://web.archive.org/web/20200115000000/{server.base}/dead"
    assert by_key["gone"]["archive"] == ""
    assert by_key["dead"]["cited_on"] == ["docs/topics/t.md"]
    assert by_key["dead"]["line"] == 13
    assert (
        "GET",
        "/wayback/available?url="
        + f"{server.base}/dead".replace(":", "%3A").replace("/", "%2F")
        + "&timestamp=20200115",
    ) in server.log


def test_online_text_report_names_entry_line_and_citing_pages(site: tuple[Path, LocalServer]) -> None:
    root, server = site
    result = run(root, server, "--online", "--delay", "0", "--quiet")
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if "[dead]" in x)
    assert line.startswith("references.bib:13:9: error dead-link [dead] url")
    assert "cited on docs/topics/t.md" in line
    assert "archived copy: https://web.archive.org/web/20200115000000/" in line
    assert "warning moved-link [moved]" in result.stdout


def test_fix_archive_writes_the_archived_copy(site: tuple[Path, LocalServer]) -> None:
    root, server = site
    result = run(root, server, "--online", "--fix-archive", "--delay", "0", "--quiet")
    assert result.returncode == 1
    bib = bibfile.read(root / "references.bib")
    assert not bib.issues
    dead = next(e for e in bib.entries if e.key == "dead")
    assert dead.value("archiveurl") == f"https://web.archive.org/web/20200115000000/{server.base}/dead"
    assert bibfile.format_text(bib) == (root / "references.bib").read_text(encoding="utf-8")
    assert next(e for e in bib.entries if e.key == "gone").get("archiveurl") is None


def test_a_silent_server_times_out(server: LocalServer) -> None:
    import time

    def slow(method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        time.sleep(1.5)
        return OK

    server.routes["/slow"] = slow
    checker = links.Checker(timeout=0.5, retries=1, delay=0, backoff=0.01)
    status, code, _, message = checker.check(f"{server.base}/slow")
    assert (status, code) == ("error", None)
    assert "did not answer" in message


def test_offline_check_of_a_built_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "index.html").write_text(
        '<a href="a/">a</a> <a href="a/#here">ok</a> <a href="a/#nowhere">x</a> '
        '<a href="missing/">m</a> <a href="https://example.org/x">ext</a> '
        '<img src="img.png"> <a href="#top">top</a><h1 id="top">T</h1>'
    )
    (site / "a" / "index.html").write_text('<h2 id="here">H</h2><a href="../index.html#top">back</a>')
    problems = {(p.page, p.link, p.code) for p in links.check_site(site)}
    assert problems == {
        ("index.html", "a/#nowhere", "broken-anchor"),
        ("index.html", "missing/", "broken-link"),
        ("index.html", "img.png", "broken-link"),
    }


def test_offline_check_of_the_project_site_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "refkb", "check-links", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": "/usr/bin:/bin", "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
