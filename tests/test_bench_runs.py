"""benchmarks/runs.py: a build's peak memory two ways, its largest process (os.wait4's ru_maxrss) and all its
processes at once (their resident sets summed, sampled from /proc)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from runs import run  # noqa: E402

# A parent holding `parent` MB starts a child holding `child` MB; both hold theirs for a second at once.
_TREE = """
import subprocess, sys
held = bytearray({parent} << 20)
child = "import time; held = bytearray({child} << 20); time.sleep(1.0)"
subprocess.run([sys.executable, "-c", child], check=True)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tree is read from /proc")
@pytest.mark.parametrize(("parent", "child"), [(60, 120), (120, 60)])
def test_the_tree_counts_every_process_and_the_largest_one_alone(tmp_path: Path, parent: int, child: int) -> None:
    done = run([sys.executable, "-c", _TREE.format(parent=parent, child=child)], tmp_path)
    assert max(parent, child) <= done.max_rss_mb < parent + child  # the largest process, not the sum
    assert done.tree_mb >= parent + child  # both at once
    assert done.wall >= 1.0


# A measuring process of 300 MB runs a child of 60 MB: Linux carries the launcher's peak into the child's ru_maxrss.
_LAUNCHER = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, {benchmarks!r})
from runs import run
held = bytearray(300 << 20)
child = "import time; held = bytearray(60 << 20); time.sleep(1.0)"
print(run([sys.executable, "-c", child], Path(tempfile.mkdtemp())).max_rss_mb)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is read from /proc")
def test_the_largest_process_is_not_the_launchers_peak() -> None:
    code = _LAUNCHER.format(benchmarks=str(ROOT / "benchmarks"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert 60 <= float(out.stdout.split()[-1]) < 300
