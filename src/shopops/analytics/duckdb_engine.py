"""DuckDB attached read-only to the live OLTP database, so analytics read current data with
no copy step (DESIGN.md). The scanner extensions come from their pip packages and are loaded
from disk: nothing is downloaded at run time."""

import importlib.resources
import threading
from pathlib import Path

import duckdb
from django.db import connection

SCANNERS = {
    "sqlite": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
    "postgresql": ("duckdb_extension_postgres_scanner", "postgres_scanner"),
}


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


def _instance(vendor: str, settings: dict) -> duckdb.DuckDBPyConnection:
    """One DuckDB instance per process and database, with the scanner loaded and the OLTP
    database attached once (that costs ~70 ms, more than most queries)."""
    target = str(settings["NAME"]) if vendor == "sqlite" else _postgres_dsn(settings)
    key = (vendor, target)
    with _lock:
        found = _instances.get(key)
        if found is None:
            found = duckdb.connect(
                config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
            )
            found.execute(f"LOAD {sql_literal(str(extension_file(vendor)))}")
            kind = "sqlite" if vendor == "sqlite" else "postgres"
            found.execute(f"ATTACH {sql_literal(target)} AS oltp (TYPE {kind}, READ_ONLY)")
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
    """A DuckDB connection with the OLTP database attached read-only as `oltp`: a fresh
    connection (own temporary tables, closed by the caller) on the process's instance. Every
    query is its own read transaction, so it sees what was committed before it started.

    Times are read as UTC: Django stores them in UTC, and SQLite keeps them as naive text.
    """
    vendor = connection.vendor
    if vendor not in SCANNERS:
        raise RuntimeError(f"no DuckDB scanner for the {vendor} database")
    con = _instance(vendor, connection.settings_dict).cursor()
    con.execute("SET TimeZone = 'UTC'")
    return con


def sql_literal(text: str) -> str:
    """A SQL string literal, for statements that take no parameters (LOAD, ATTACH)."""
    return "'" + text.replace("'", "''") + "'"
