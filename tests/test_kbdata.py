"""The knowledge base's data files (refkb.kbdata): kbdata.FILES, whose content decides whether a `mkdocs serve`
rebuild reads and checks the data again, names every file the module reads."""

from __future__ import annotations

import inspect
import re

from refkb import kbdata


def test_files_names_every_data_file_the_module_reads() -> None:
    read = set(re.findall(r'name = "([\w.-]+)"', inspect.getsource(kbdata)))
    assert read == set(kbdata.FILES)
