"""DuckDB attached read-only to the live OLTP database, so analytics read current data with
no copy step (DESIGN.md). The scanner extensions come from their pip packages and are loaded
from disk: nothing is downloaded at run time."""

import importlib.resources
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


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the OLTP database attached read-only as `oltp`.

    Times are read as UTC: Django stores them in UTC, and SQLite keeps them as naive text.
    """
    vendor = connection.vendor
    if vendor not in SCANNERS:
        raise RuntimeError(f"no DuckDB scanner for the {vendor} database")
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"LOAD {sql_literal(str(extension_file(vendor)))}")
    settings = connection.settings_dict
    if vendor == "sqlite":
        con.execute(f"ATTACH {sql_literal(str(settings['NAME']))} AS oltp (TYPE sqlite, READ_ONLY)")
    else:
        con.execute(
            f"ATTACH {sql_literal(_postgres_dsn(settings))} AS oltp (TYPE postgres, READ_ONLY)"
        )
    return con


def sql_literal(text: str) -> str:
    """A SQL string literal, for statements that take no parameters (LOAD, ATTACH)."""
    return "'" + text.replace("'", "''") + "'"
