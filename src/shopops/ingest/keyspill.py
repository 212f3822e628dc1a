"""A file's natural keys, remembered for the whole import in bounded memory.

The import must know, for every row, whether its key came earlier in the file (a duplicate
names the first line) and, for order lines, how many lines of the same order came before
(lines are numbered in file order). That is one entry per distinct key: about 130 bytes in
a Python dict, so 1.3 GB for a file of ten million orders. `KeyLedger` keeps the newest
`limit` keys in a dict and moves the rest into a private SQLite file in the temporary
directory (the standard library's sqlite3, a file of its own: not the store's database),
looked up a block of keys at a time. Below the limit it is a dict and costs nothing more.
"""

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path

LIMIT = 500_000  # keys in memory (about 65 MB), then the oldest go to disk
_CHUNK = 500  # keys per lookup statement (SQLite's limit of bound parameters is higher)


def _text(key) -> str:
    # Keys of one kind have one shape: a string, or a tuple of parts of fixed types.
    return key if isinstance(key, str) else "\x1f".join(map(str, key))


class KeyLedger:
    """{key: int} for one import: `get_many` and `put_many` for a block of rows, `get`,
    `in`, `[]` for the row-by-row path; `settle()` between blocks. Values are never None."""

    def __init__(self, limit: int | None = None):
        self.limit = LIMIT if limit is None else limit
        self.memory: dict = {}
        self._db: sqlite3.Connection | None = None
        self._dir: tempfile.TemporaryDirectory | None = None

    # --- a block at a time ----------------------------------------------------------------

    def get_many(self, keys: Iterable) -> dict:
        """{key: value} of those of `keys` already put (in memory or on disk)."""
        memory = self.memory
        found = {}
        rest = []
        for key in keys:
            value = memory.get(key)
            if value is None:
                rest.append(key)
            else:
                found[key] = value
        if rest and self._db is not None:
            by_text = {_text(k): k for k in rest}
            texts = list(by_text)
            for start in range(0, len(texts), _CHUNK):
                chunk = texts[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, value FROM ledger WHERE key IN ({marks})"  # noqa: S608
                for text, value in self._db.execute(query, chunk):
                    found[by_text[text]] = value
        return found

    def put_many(self, items) -> None:
        """Sets each (key, value) of `items` (a mapping or pairs), in memory until settle()."""
        self.memory.update(items)

    def settle(self) -> None:
        """Moves the keys in memory to disk once there are more than `limit` of them. Called
        between blocks, never inside one, so a block always meets its own earlier keys in
        memory."""
        if len(self.memory) > self.limit:
            self._spill()

    # --- one key at a time ----------------------------------------------------------------

    def get(self, key, default=None):
        value = self.memory.get(key)
        if value is None and self._db is not None:
            value = self.get_many((key,)).get(key)
        return default if value is None else value

    def __contains__(self, key) -> bool:
        return self.get(key) is not None

    def __getitem__(self, key) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key, value: int) -> None:
        self.memory[key] = value

    # --- the disk -------------------------------------------------------------------------

    @property
    def spilled(self) -> bool:
        return self._db is not None

    def _spill(self) -> None:
        if self._db is None:
            self._dir = tempfile.TemporaryDirectory(prefix="shopops-keys-")
            self._db = sqlite3.connect(Path(self._dir.name) / "keys.sqlite3")
            # A scratch file: nothing to recover after a crash, so no journal and no syncs.
            self._db.executescript(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                " PRAGMA cache_size = -16384;"
                " CREATE TABLE ledger (key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;"
            )
        self._db.executemany(
            "INSERT INTO ledger (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            ((_text(k), v) for k, v in self.memory.items()),
        )
        self._db.commit()
        self.memory.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def clear(self) -> None:
        self.close()
        self.memory.clear()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
