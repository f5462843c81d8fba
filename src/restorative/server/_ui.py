"""The browser UI (placeholder; the UI work fills it in)."""

from __future__ import annotations

from typing import Any

HANDLERS: list[Any] = []
"""The UI's route handlers, mounted by `create_app`."""
