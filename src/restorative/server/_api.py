"""The JSON API (placeholder; the server work fills it in)."""

from __future__ import annotations

from typing import Any

HANDLERS: list[Any] = []
"""The API's route handlers, mounted by `create_app`."""
