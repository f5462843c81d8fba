"""The `backend` fixture: every store test that takes it runs on memory, SQLite and PostgreSQL."""

from tests.store.backends import backend

__all__ = ["backend"]
