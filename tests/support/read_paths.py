"""Both ways a measures read can run, drawn per example (``gridts.measures.service``).

A read that names nodes over a short range is one statement, every row carrying its series'
head; any other read resolves its series first and puts the heads back in the worker. The
model tests draw which one every read of an example takes, so both answer alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import strategies as st

from gridts.measures import service

if TYPE_CHECKING:
    import pytest


def draw_read_path(monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> bool:
    """Make every read naming nodes one statement, or none; return whether it is one."""
    one_statement = data.draw(st.booleans(), label="one statement")
    monkeypatch.setattr(service, "SMALL_READ_ROWS", 10**9 if one_statement else 0)
    return one_statement
