"""Batch upserts by natural key with plain executemany.

Django's bulk_create and bulk_update build their SQL per object and were 10x slower than the
insert itself on a million-row import; this module keeps Django's field preparation
(`get_db_prep_save`, so types and time zones are handled exactly as the ORM does) and sends
one parameterised statement per batch instead.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from operator import itemgetter

from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

CACHE_LIMIT = 200_000  # keys a run remembers per model (see RunState)


def _lookup(key_fields: tuple[str, ...], keys) -> dict:
    """A superset filter for a batch of composite keys: each of the first two parts IN."""
    lookup = {f"{key_fields[0]}__in": {k[0] for k in keys}}
    if len(key_fields) > 1:
        lookup[f"{key_fields[1]}__in"] = {k[1] for k in keys}
    return lookup


def existing_rows(model, store, keys, key_fields, value_fields) -> dict[tuple, tuple]:
    """{key: (pk, {field: value})} for the keys of the batch that are already stored."""
    n = len(key_fields)
    out = {}
    rows = model.objects.filter(store=store, **_lookup(key_fields, keys)).values_list(
        "pk", *key_fields, *value_fields
    )
    for row in rows:
        out[tuple(row[1 : 1 + n])] = (row[0], dict(zip(value_fields, row[1 + n :], strict=True)))
    return out


_PLAIN = {
    "CharField",
    "TextField",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "BooleanField",
    "ForeignKey",
    "BigAutoField",
    "AutoField",
}


def _converters(fields, conn) -> list:
    """Per field, the DB-value conversion get_db_prep_save would do for an already typed value,
    bound once: calling get_db_prep_save per value was most of the import's time. None where
    the backend takes the value as it is."""
    ops = conn.ops
    # Django's base adapter returns the Decimal unchanged (neither backend overrides it).
    decimal_as_is = (
        type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value
    )
    out = []
    for f in fields:
        kind = f.get_internal_type()
        if kind in _PLAIN:
            out.append(None)
        elif kind == "DateTimeField" and conn.vendor == "sqlite":
            # What Django's SQLite adapter makes of an aware UTC time, without its checks:
            # the naive isoformat, which is the aware one without its "+00:00".
            adapt = ops.adapt_datetimefield_value
            out.append(lambda v, a=adapt: v.isoformat(" ")[:-6] if v.tzinfo is UTC else a(v))
        elif kind == "DateTimeField":
            out.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            out.append(ops.adapt_datefield_value)
        elif kind == "DecimalField" and decimal_as_is:
            out.append(None)
        elif kind == "DecimalField":
            digits, places, adapt = f.max_digits, f.decimal_places, ops.adapt_decimalfield_value
            out.append(lambda v, d=digits, p=places, a=adapt: a(v, d, p))
        else:
            out.append(lambda v, f=f: f.get_db_prep_save(v, conn))
    return out


def _prepare(rows: list[dict], names: list[str], converters: list, defaults: dict) -> list:
    """Each row as the list of its values in `names` order (a name the row lacks takes its
    default), converted for the database; None is never converted."""
    if not names:
        return [[] for _ in rows]
    base = {name: defaults[name] for name in names}
    if len(names) == 1:
        only, default = names[0], base[names[0]]

        def values_of(row):
            return (row.get(only, default),)
    else:
        pick = itemgetter(*names)

        def values_of(row):
            return pick({**base, **row})  # row.get(name, default) for every name, in C

    converted = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    out = []
    for row in rows:
        values = list(values_of(row))
        for i, convert in converted:
            value = values[i]
            if value is not None:
                values[i] = convert(value)
        out.append(values)
    return out


def _defaults(model, store) -> dict:
    """What each column gets when a row does not say: the field's default, now for
    auto_now fields, the store for `store_id`."""
    now = timezone.now()
    defaults = {}
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.attname == "store_id":
            defaults[f.attname] = store.pk
        else:
            defaults[f.attname] = f.get_default()
    return defaults


def _reserve_ids(model, count: int) -> list[int]:
    """Primary keys for `count` new rows, taken before inserting so no read-back is needed.
    Both backends hold the write lock here (SQLite: IMMEDIATE transaction; PostgreSQL: the
    sequence), so the ids are ours."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        qn = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({qn(model._meta.pk.column)}) FROM {qn(table)}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def insert(model, store, rows: list[dict]) -> list[int]:
    """INSERT rows given as {attname: value}; absent fields take their defaults. Returns
    the new primary keys in the order of `rows`."""
    if not rows:
        return []
    pk = model._meta.pk
    ids = _reserve_ids(model, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row[pk.attname] = new_id
    fields = [pk, *(f for f in model._meta.concrete_fields if not f.primary_key)]
    defaults = _defaults(model, store)
    qn = connection.ops.quote_name
    # Table and column names come from the model's meta and are quoted; values are parameters.
    table, columns = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
    params = _prepare(rows, [f.attname for f in fields], _converters(fields, connection), defaults)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: one stream instead of a statement per row.
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in params:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, params)
    return ids


def update(model, rows: list[tuple[int, dict]], value_fields: list[str]) -> None:
    """UPDATE the given fields of rows given as (pk, {attname: value})."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in value_fields]
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
    names = [f.attname for f in fields]
    prepared = _prepare(
        [values for _, values in rows], names, _converters(fields, connection), dict.fromkeys(names)
    )
    params = [[*values, pk] for values, (pk, _) in zip(prepared, rows, strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@dataclass
class RunState:
    """What one import knows that saves it database round trips.

    `fresh`: models with no rows of the store when the import began. Their keys, checked
    unique within the file by the pipeline, cannot exist, so no lookup is needed.
    `caches`: {model: {key: (pk, all values)}} for models that many rows refer to (customers,
    products, warehouses), filled as the import goes, at most `CACHE_LIMIT` keys each (a file
    of millions of buyers would otherwise keep them all): past it the older half is dropped,
    and the model is no longer `fresh`, since a dropped key is stored now and must be looked
    up again.
    """

    fresh: set = field(default_factory=set)
    caches: dict = field(default_factory=dict)
    # Rows written beside the file's own (buyers, an orders file's embedded lines): not in
    # its counts, but they change stored facts all the same. A rolled-back batch's stay
    # counted: one raise of the facts version too many costs nothing.
    side: Counter = field(default_factory=Counter)

    def trim(self, model) -> None:
        cache = self.caches.get(model)
        if cache is None or len(cache) <= CACHE_LIMIT:
            return
        self.caches[model] = dict(list(cache.items())[-(CACHE_LIMIT // 2) :])
        self.fresh.discard(model)

    def forget(self) -> None:
        """After a rolled-back batch nothing remembered can be trusted any more."""
        self.fresh.clear()
        self.caches.clear()


def upsert(
    model,
    store,
    keyed: dict[tuple, dict],
    key_fields: tuple[str, ...],
    counts: Counter | None = None,
    run: RunState | None = None,
    cached: tuple[str, ...] | None = None,
) -> dict[tuple, int]:
    """Upsert {natural key: {attname: value}}; count inserted/updated/unchanged into
    `counts` (when given) and return {natural key: pk}."""
    if not keyed:
        return {}
    cache = run.caches.setdefault(model, {}) if run is not None and cached is not None else None
    # A cache keeps every field the writer may set (`cached`), so that any later batch can
    # compare against it; only those fields, to keep a million-row import's memory flat.
    value_fields = (
        list(cached)
        if cache is not None
        else sorted({name for values in keyed.values() for name in values})
    )
    found = {k: cache[k] for k in keyed if k in cache} if cache is not None else {}
    missing = [k for k in keyed if k not in found]
    if missing and not (run is not None and model in run.fresh):
        found.update(existing_rows(model, store, missing, key_fields, value_fields))
    inserts, insert_keys, updates, pks = [], [], [], {}
    unchanged = 0
    if len(key_fields) == 1:
        only = key_fields[0]

        def as_row(key, values):
            return {only: key[0], **values}
    else:

        def as_row(key, values):
            return {**dict(zip(key_fields, key, strict=True)), **values}

    if not found:  # an empty table, or none of these keys stored: all of them are new
        inserts = [as_row(key, values) for key, values in keyed.items()]
        insert_keys = list(keyed)
    else:
        for key, values in keyed.items():
            current = found.get(key)
            if current is None:
                inserts.append(as_row(key, values))
                insert_keys.append(key)
                continue
            pk, stored = current
            pks[key] = pk
            if any(stored[name] != value for name, value in values.items()):
                merged = {**stored, **values}
                updates.append((pk, merged))
                if cache is not None:
                    cache[key] = (pk, merged)
            else:
                unchanged += 1
                if cache is not None:
                    cache[key] = current
    new_ids = insert(model, store, inserts)
    update(model, updates, value_fields)
    defaults = _defaults(model, store) if cache is not None and inserts else {}
    if cache is None:
        pks.update(zip(insert_keys, new_ids, strict=True))
    else:
        for key, row, new_id in zip(insert_keys, inserts, new_ids, strict=True):
            pks[key] = new_id
            cache[key] = (new_id, {n: row.get(n, defaults.get(n)) for n in value_fields})
    if counts is not None:
        counts["inserted"] += len(inserts)
        counts["updated"] += len(updates)
        counts["unchanged"] += unchanged
    if cache is not None:
        run.trim(model)
    return pks


def insert_objects(model, store, objects: list) -> None:
    """INSERT unsaved model instances in one statement per batch and give them their pks
    (bulk_create's SQL building is the slow part for hundreds of thousands of rows)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    relations = [f for f in fields if f.is_relation]
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    for obj in objects:
        # Like bulk_create: a related object saved after assignment lends its new pk.
        for f in relations:
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                related = getattr(obj, f.name)
                if related is not None:
                    setattr(obj, f.attname, related.pk)
    for start in range(0, len(objects), 20000):
        chunk = objects[start : start + 20000]
        rows = [
            {
                f.attname: value
                for f in fields
                if (value := getattr(obj, f.attname)) is not None or f.attname not in stamped
            }
            for obj in chunk
        ]
        for obj, pk in zip(chunk, insert(model, store, rows), strict=True):
            obj.pk = pk
