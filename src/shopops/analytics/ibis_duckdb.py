"""Ibis's DuckDB compiler, without the rest of Ibis's backends.

A question never asked on this machine is built and compiled by Ibis in the process that
asks it. Ibis itself costs ~0.2 s to import and its DuckDB compiler ~0.1 s; going through
Ibis's DuckDB *backend* cost ~0.4 s more, for nothing the engine uses: the backend reads a
relation's schema through pyarrow (and numpy), and importing `ibis.backends.sql.compilers`
imports all twenty of Ibis's compilers (Trino, Athena, BigQuery, …) to offer one.

So the engine's relations are unbound Ibis tables typed from DuckDB's own DESCRIBE (as the
backend types them), compiled by the DuckDB compiler as the backend's `compile` does, and
the compilers package is made lazy before Ibis imports it: the same package, each compiler
imported when first named (`sc.pyspark`, `sc.DuckDBCompiler`), not all twenty up front.
A process that imported the package already keeps it as it is.
"""

import importlib
import importlib.util
import sys
import types

PACKAGE = "ibis.backends.sql.compilers"


def _lazy_package() -> types.ModuleType:
    """The compilers package with its submodules importable and its names (`XCompiler`,
    each from submodule `x`, as its `__init__` imports them) resolved on first use."""
    spec = importlib.util.find_spec(PACKAGE)
    package = types.ModuleType(PACKAGE)
    package.__spec__, package.__package__ = spec, PACKAGE
    package.__path__ = list(spec.submodule_search_locations)
    package.__file__ = spec.origin

    def __getattr__(name: str):  # the module hook (PEP 562)
        module = name.removesuffix("Compiler").lower()
        if module.startswith("_") or importlib.util.find_spec(f"{PACKAGE}.{module}") is None:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}")
        loaded = importlib.import_module(f"{PACKAGE}.{module}")
        return loaded if module == name else getattr(loaded, name)

    package.__getattr__ = __getattr__
    return package


if PACKAGE not in sys.modules:
    import ibis.backends.sql  # noqa: F401 - its parents, imported as they are

    sys.modules[PACKAGE] = _lazy_package()

import sqlglot  # noqa: E402 - after the package is in place
from ibis import schema as ibis_schema  # noqa: E402
from ibis import table as ibis_table  # noqa: E402
from ibis.backends.sql.compilers.duckdb import compiler  # noqa: E402


def table(con, name: str):
    """The relation `name` of DuckDB connection `con` as an Ibis table of its columns."""
    described = con.execute(f"DESCRIBE {name}").fetchall()
    types_ = {
        n: compiler.type_mapper.from_string(t, nullable=null == "YES")
        for n, t, null, *_ in described
    }
    return ibis_table(ibis_schema(types_), name=name)


def to_sql(expr) -> str:
    """`expr` as DuckDB SQL, as Ibis's DuckDB backend compiles it."""
    query = compiler.to_sqlglot(expr)
    return query.sql(
        dialect=compiler.dialect, copy=False, unsupported_level=sqlglot.ErrorLevel.RAISE
    )
