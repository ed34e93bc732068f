"""What the checks need beyond the file: today's date, the controlled vocabularies and the profile."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .. import profiles


@dataclass(frozen=True)
class Settings:
    """Today's date, the controlled vocabularies (None: not checked) and the rules the site holds itself to. Checks
    of a file on its own default to the knowledge-base profile, the strictest; `suite.project_settings` takes the
    project's."""

    today: dt.date = field(default_factory=dt.date.today)
    topics: frozenset[str] | None = None
    sourcekinds: frozenset[str] | None = None
    sentence_case_titles: bool = False  # extra.refkb.titles: sentence-case
    profile: profiles.Profile = profiles.KNOWLEDGE_BASE
