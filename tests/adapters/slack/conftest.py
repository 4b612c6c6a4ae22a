"""The Slack adapter tests need slack_bolt and slack_sdk (the `slack` extra, also in `dev`):
without them they are left out rather than failing at import. The rendering tests need
neither and always run."""

from __future__ import annotations

import importlib.util

_HAVE_SLACK = all(importlib.util.find_spec(name) for name in ("slack_bolt", "slack_sdk"))
collect_ignore = [] if _HAVE_SLACK else ["test_adapter.py", "test_run.py"]
