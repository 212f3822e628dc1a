"""DuckDB over the live OLTP database, without ever opening a live SQLite file through a
second SQLite library (DESIGN.md, "One SQLite library per file per process").

On PostgreSQL the scanner attaches the database read-only: it is a network client, so it
shares nothing with Django's connection. On SQLite the engine's rows are read through
Python's own `sqlite3` (the library Django's connection uses, whose locks it shares) into
tables of an in-memory DuckDB. DuckDB's SQLite scanner carries its own copy
of SQLite; POSIX locks belong to the process, so that copy closing its descriptor would
drop Django's locks, and another process could then delete the WAL under a live writer
and lose committed transactions. The scanner extensions come from their pip packages and
are loaded from disk: nothing is downloaded at run time.
"""

import importlib.resources
import itertools
import json
import sqlite3
import threading
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import duckdb
from django.db import connection

SCANNERS = {
    "sqlite": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
    "postgresql": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
}
CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def extension_file(vendor: str) -> Path:
    package, name = SCANNERS[vendor]
    root = importlib.resources.files(package) / "extensions" / f"v{duckdb.__version__}"
    path = Path(str(root)) / f"{name}.duckdb_extension"
    if not path.exists():
        raise RuntimeError(f"{path} is missing: install {package}=={duckdb.__version__}")
    return path


def _postgres_dsn(settings: dict) -> str:
    parts = {
        "dbname": settings["NAME"],
        "host": settings.get("HOST") or "",
        "port": str(settings.get("PORT") or ""),
        "user": settings.get("USER") or "",
        "password": settings.get("PASSWORD") or "",
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


_instances: dict[tuple, duckdb.DuckDBPyConnection] = {}
_lock = threading.Lock()
_names = itertools.count(1)


def _postgres_instance(settings: dict) -> duckdb.DuckDBPyConnection:
    """One DuckDB instance per process and PostgreSQL database, with the scanner loaded and
    the database attached once (that costs ~70 ms, more than most queries)."""
    target = _postgres_dsn(settings)
    key = ("postgresql", target)
    with _lock:
        found = _instances.get(key)
        if found is None:
            found = duckdb.connect(config=CONFIG)
            found.execute(f"LOAD {sql_literal(str(extension_file('postgresql')))}")
            found.execute(f"ATTACH {sql_literal(target)} AS oltp (TYPE postgres, READ_ONLY)")
            _instances[key] = found
        return found


def close_all() -> None:
    """Detach from every database (tests drop their database at the end; a process that
    switches databases can call this too)."""
    with _lock:
        for instance in _instances.values():
            instance.close()
        _instances.clear()


def connect() -> duckdb.DuckDBPyConnection:
    """A fresh DuckDB connection (own temporary tables, closed by the caller) from which
    `oltp_relation` reads the OLTP tables. Every read sees what was committed before it
    started.

    Times are read as UTC: Django stores them in UTC, and SQLite keeps them as naive text.
    """
    vendor = connection.vendor
    if vendor == "sqlite":
        con = duckdb.connect(config=CONFIG)
    elif vendor == "postgresql":
        con = _postgres_instance(connection.settings_dict).cursor()
    else:
        raise RuntimeError(f"no DuckDB engine for the {vendor} database")
    con.execute("SET TimeZone = 'UTC'")
    # DuckDB draws a progress bar on stdout for a query over 2 s: into a CLI's JSON or CSV.
    con.execute("SET enable_progress_bar = false")
    return con


def unindexed(column: str) -> str:
    """`column` for a condition whose index SQLite must not use because a later one of the
    same WHERE is far narrower (`order_id IN (…)`): without statistics SQLite reads a
    store's every order line by the store's index to keep those of a few orders (0.2 s for
    a day at 1M lines; 5 ms by the order index). On PostgreSQL the plain column, whose
    condition the scanner pushes down."""
    return f"+{column}" if connection.vendor == "sqlite" else column


def oltp_relation(con, table: str, columns: str, where: str = "") -> str:
    """SQL naming the rows of OLTP `table` matching `where`, with `columns`, for `con`.

    `columns` and `where` are plain SQL valid in both SQLite and DuckDB (column names,
    comparisons, IN lists) built from ints and quoted literals only; a sub-select names an
    OLTP table as `OLTP.table`. On PostgreSQL this is a sub-select of the attached table
    (the scanner pushes the filter down); on SQLite the rows are read through Python's
    sqlite3 into a table of `con`, so only one SQLite library ever opens the file."""
    condition = f" WHERE {where}" if where else ""
    if connection.vendor != "sqlite":
        return f"(SELECT {columns} FROM oltp.{table}{condition.replace('OLTP.', 'oltp.')})"  # noqa: S608
    name = f"oltp_{table}_{next(_names)}"
    rows = read_sqlite(table, columns, condition.replace("OLTP.", ""))
    if rows.count <= JSON_ROWS:
        con.execute(f"CREATE TEMP TABLE {name} AS {rows.as_json_select()}")
    else:
        con.register(name, rows.as_arrow())
    return name


# Up to this many rows go to DuckDB as one JSON text, above it as an Arrow table. DuckDB
# takes any Python object (Arrow too) through its pandas support, whose import costs 0.2 s,
# more than the rest of a day's live read; JSON costs ~4 µs a row, Arrow ~0.6 µs.
JSON_ROWS = 10_000


@dataclass(frozen=True)
class SqliteRows:
    """Columns read from SQLite, with the DuckDB type each is given."""

    names: list[str]
    types: list[str]
    values: list[tuple]

    @property
    def count(self) -> int:
        return len(self.values[0]) if self.values else 0

    def as_arrow(self):
        import pyarrow as pa  # only for a large read: 55 ms to import

        types = {"BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}
        return pa.table(
            {
                n: pa.array(v, types.get(t, pa.string()))
                for n, t, v in zip(self.names, self.types, self.values, strict=True)
            }
        )

    def as_json_select(self) -> str:
        """A SELECT of these rows from one JSON literal (no parameters: DuckDB binds them
        through pandas too). Strict: a value that is not of its column's type (text in a
        DECIMAL column) fails the read, as Arrow's conversion does, instead of becoming
        NULL."""
        text = json.dumps(dict(zip(self.names, self.values, strict=True)), ensure_ascii=False)
        shape = json.dumps({n: [t] for n, t in zip(self.names, self.types, strict=True)})
        picked = ", ".join(f'unnest(j."{n}") AS "{n}"' for n in self.names)
        return (
            f"SELECT {picked} FROM "  # noqa: S608 - literals only
            f"(SELECT json_transform_strict({sql_literal(text)}, {sql_literal(shape)}) AS j)"
        )


def read_sqlite(table: str, columns: str, condition: str = "") -> SqliteRows:
    """Rows of an OLTP table on the live SQLite database, read with Python's sqlite3 on a
    read-only connection of its own (one SQLite library: Django's), typed by the table's
    declared column types (SQLite types values, not columns: an empty or all-NULL column
    would otherwise have no type, and a DECIMAL column holds ints beside floats)."""
    path = str(connection.settings_dict["NAME"])
    uri = f"file:{quote(path)}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=30)) as db:
        declared = {row[1]: row[2] for row in db.execute(f"PRAGMA table_info({table})")}
        cursor = db.execute(f"SELECT {columns} FROM {table}{condition}")  # noqa: S608
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    values = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    types = [_duckdb_type(declared.get(n, "")) for n in names]
    return SqliteRows(names, types, values)


def _duckdb_type(declared: str) -> str:
    kind = declared.lower()
    if "int" in kind:
        return "BIGINT"
    if kind.startswith(("decimal", "real", "float", "double", "numeric")):
        return "DOUBLE"
    if kind.startswith("bool"):
        return "BOOLEAN"
    return "VARCHAR"  # text, varchar, and date/datetime kept as ISO text


def sql_literal(text: str) -> str:
    """A SQL string literal, for statements that take no parameters (LOAD, ATTACH)."""
    return "'" + text.replace("'", "''") + "'"
