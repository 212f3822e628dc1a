"""New rows of many model instances at once, for the writers whose Python time is the cost
(a batch of orders): on PostgreSQL one COPY per table, values prepared by each field's own
`get_db_prep_save` (so types and time zones are stored exactly as the ORM stores them), with
the primary keys taken from the table's sequence first when the caller needs them; on other
databases Django's bulk_create.

Django's bulk_create builds its statement per object and per field; for a thousand orders
that cost more than the database's work. COPY checks every constraint as INSERT does; its
errors are raised as Django's (IntegrityError for a duplicate key).
"""

from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

# Field types whose Python value psycopg adapts as it is (get_db_prep_save returns it).
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def insert(objs: list, *, with_pks: bool = False) -> None:
    """INSERT new instances of one model. `with_pks`: set each instance's primary key
    (bulk_create does on both databases), for rows that others point to."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for f in fields:
        if _auto_now(f):
            for obj in objs:
                setattr(obj, f.attname, now)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if with_pks:
            for obj, pk in zip(objs, _next_ids(cursor, model, len(objs)), strict=True):
                obj.pk = pk
            fields = [meta.pk, *fields]
        names = [f.attname for f in fields]
        table = connection.ops.quote_name(model._meta.db_table)
        _copy(cursor, table, fields, ([getattr(obj, name) for name in names] for obj in objs))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_untaken(objs: list, *, key: str) -> list:
    """insert(objs, with_pks=True) that skips the rows whose unique key a concurrent writer
    has committed meanwhile, instead of failing the transaction: on PostgreSQL the rows go
    by COPY into a temporary copy of the table, then `INSERT … SELECT … ORDER BY key ON
    CONFLICT DO NOTHING`, in the order of the field `key`, so that writers meeting on the
    same keys wait for each other instead of deadlocking. Returns the instances inserted
    (on other databases, one writer at a time, all of them or IntegrityError)."""
    if not objs:
        return []
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return list(objs)
    meta = model._meta
    fields = [meta.pk, *(f for f in meta.concrete_fields if not f.primary_key)]
    now = timezone.now()
    for f in fields:
        if _auto_now(f):
            for obj in objs:
                setattr(obj, f.attname, now)
    qn = connection.ops.quote_name
    table, temp = qn(meta.db_table), qn(f"new_{meta.db_table}")
    columns = ", ".join(qn(f.column) for f in fields)
    order = qn(meta.get_field(key).column)
    names = [f.attname for f in fields]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        for obj, pk in zip(objs, _next_ids(cursor, model, len(objs)), strict=True):
            obj.pk = pk
        # Names from the model; values as parameters or streamed.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} (LIKE {table} INCLUDING DEFAULTS) "
            "ON COMMIT DELETE ROWS"
        )
        _copy(cursor, temp, fields, ([getattr(obj, n) for n in names] for obj in objs))
        cursor.execute(
            f"WITH moved AS (DELETE FROM {temp} RETURNING *) "  # noqa: S608
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM moved ORDER BY {order} "
            f"ON CONFLICT DO NOTHING RETURNING {qn(meta.pk.column)}"
        )
        inserted = {pk for (pk,) in cursor.fetchall()}
    done = [obj for obj in objs if obj.pk in inserted]
    for obj in done:
        obj._state.adding = False
        obj._state.db = connection.alias
    return done


def insert_values(model, values: list[dict]) -> None:
    """INSERT new rows given as {attname: value}, for rows nobody reads back: no instance
    is made on PostgreSQL (building one costs more than sending its row). A field a row does
    not name takes its default, as an instance would."""
    if not values:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in values])
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = {}
    for f in fields:
        if _auto_now(f):
            defaults[f.attname] = now
        elif not all(f.attname in row for row in values):
            defaults[f.attname] = f.get_default()
    names = [f.attname for f in fields]
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _copy(
            cursor,
            connection.ops.quote_name(model._meta.db_table),
            fields,
            ([row[n] if n in row else defaults[n] for n in names] for row in values),
        )


def _auto_now(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _next_ids(cursor, model, count: int) -> list[int]:
    meta = model._meta
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [meta.db_table, meta.pk.column, count],
    )
    return [pk for (pk,) in cursor.fetchall()]


def _converter(field):
    """What get_db_prep_save does to a value of this field on PostgreSQL, bound once, or
    None where it gives the value back as it is (as ingest.bulk does for imports)."""
    kind = field.get_internal_type()
    ops = connection.ops
    if kind in _AS_IS:
        return None
    if kind == "DecimalField" and (
        type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value
    ):
        return None  # an exact Decimal already; the column rounds nothing it was checked for
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def _copy(cursor, table: str, fields, rows) -> None:
    """COPY rows (lists of values in `fields` order) into `table` (a quoted name)."""
    qn = connection.ops.quote_name
    prepare = [(i, c) for i, c in enumerate(map(_converter, fields)) if c is not None]
    columns = ", ".join(qn(f.column) for f in fields)
    # The table's and columns' names come from the model; the values are streamed.
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            for i, convert in prepare:
                if row[i] is not None:
                    row[i] = convert(row[i])
            copy.write_row(row)
