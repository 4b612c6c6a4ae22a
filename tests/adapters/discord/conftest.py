"""The Discord tests need discord.py (the `discord` extra, also in `dev`): without it they are
left out rather than failing at import."""

from __future__ import annotations

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("discord") else ["test_*.py"]
