"""An object that does something when it is rebuilt, to show that loading a model file rebuilds nothing untrusted."""

from __future__ import annotations

from pathlib import Path


class Tripwire:
    """Writes its marker file when unpickled or rebuilt from its state."""

    def __init__(self, marker: str):
        self.marker = marker

    def __setstate__(self, state: dict) -> None:
        Path(state["marker"]).write_text("code ran")
        self.__dict__.update(state)

    def __reduce__(self):  # pickle: rebuild by calling Path(...).write_text
        return (_trip, (self.marker,))


def _trip(marker: str) -> Tripwire:
    Path(marker).write_text("code ran")
    return Tripwire.__new__(Tripwire)
