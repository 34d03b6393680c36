"""Write the mock's state to its snapshot file in the background, whenever it changed (`serve --autosave`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from bland_sms_mock.mock_server.snapshot import export_state, write_state
from bland_sms_mock.mock_server.store import Store


class Autosaver:
    """Saves `store` to `path` atomically within `interval` seconds of each change, and once more on `stop`.

    A change is a step of `store.version`, which every mutation of the snapshotted state (conversations,
    messages, accounts, the clock, fired timers) advances. The state is exported under the store's lock
    (a consistent cut) and written outside it, so requests wait only for the export, never for the disk.
    """

    def __init__(
        self, store: Store, path: str | Path, interval: float | None, warn: Callable[[str], None] | None = None
    ) -> None:
        self.store = store
        self.path = Path(path)
        self.interval = interval
        self.saves = 0
        self._warn = warn
        self._saved_version: int | None = None
        self._last_error: str | None = None
        self._write_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bland-sms-mock:autosave", daemon=True)

    def start(self) -> Autosaver:
        """Start saving in the background (every `interval` seconds, when something changed)."""
        if self.interval is None:
            raise ValueError("an Autosaver without an interval saves only on stop()")
        self._saved_version = self.store.version  # the state just loaded is the file's, or nothing yet
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.save_if_changed()

    def save_if_changed(self, force: bool = False) -> bool:
        """Write the state if it changed since the last write (or always, with `force`); True if written.

        A failed write (disk full, folder gone) is reported once through `warn` and retried next time.
        """
        with self._write_lock:
            with self.store.lock:
                if not force and self.store.version == self._saved_version:
                    return False
                state = export_state(self.store)
                version = self.store.version
            try:
                write_state(state, self.path)
            except OSError as exc:
                message = f"could not save the state to {self.path}: {exc.strerror or exc}"
                if self._warn and message != self._last_error:
                    self._warn(message)
                self._last_error = message
                return False
            self._saved_version, self._last_error = version, None
            self.saves += 1
            return True

    def stop(self, save: bool) -> bool:
        """Stop the background saves; with `save`, write the state a last time. True if that write succeeded."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.save_if_changed(force=True) if save else False
