"""refkb.site.works: the downloads' process ends when its writes are done, not with the build."""

from __future__ import annotations

import os
import time

from refkb import children
from refkb.site import works


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_writer_ends_when_its_writes_are_done_not_with_the_build() -> None:
    out = works.Written()
    out.writer = children.pool(1, "fork")
    out.jobs.append(out.writer.submit(os.getpid))
    works.no_more_writes(out)
    pid = out.jobs[0].result(timeout=30)
    start = time.monotonic()
    while _alive(pid) and time.monotonic() - start < 10:
        time.sleep(0.05)
    assert not _alive(pid), "the downloads' process still runs while MkDocs renders the pages"
    works.wait_for_writes(out)  # the build's end still takes the results


def test_no_writer_nothing_to_end() -> None:
    works.no_more_writes(works.Written())
