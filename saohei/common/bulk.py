"""Inserting many rows whose ids nobody needs back."""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

# Columns whose Python values the database driver cannot take as they are.
_ADAPTED_TYPES = frozenset({"DateField", "DateTimeField", "TimeField"})


def insert_rows(
    model: type[models.Model],
    field_names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    adapted: bool = False,
) -> None:
    """One prepared INSERT run for many rows of `field_names` values (executemany), foreign
    keys given as ids. Django's bulk_create builds a model instance per row and compiles SQL
    for every few dozen rows: most of the time spent writing a million generated case persons.
    Only dates and times are adapted, unless the caller already did (`adapted`, as the case
    import's staging does); the new ids are not returned."""
    if not rows:
        return
    meta = model._meta
    fields: list[models.Field[Any, Any]] = []
    for name in field_names:
        field = meta.get_field(name)
        if not isinstance(field, models.Field):
            raise ValueError(f"{name} is not a column of {meta.label}")
        fields.append(field)
    to_adapt = [
        (index, field)
        for index, field in enumerate(fields)
        if field.get_internal_type() in _ADAPTED_TYPES
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    # Names come from the model; every value is a parameter.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    if to_adapt and not adapted:
        # Dates repeat across rows (a day's cases, one "now"): adapt each distinct value once.
        seen: list[dict[Any, Any]] = [{} for _ in to_adapt]
        prepared = []
        for row in rows:
            values = list(row)
            for (index, field), known in zip(to_adapt, seen, strict=True):
                value = values[index]
                if value not in known:
                    known[value] = field.get_db_prep_save(value, connection)
                values[index] = known[value]
            prepared.append(values)
        rows = prepared
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def update_rows(instances: Sequence[models.Model], field_names: Sequence[str]) -> None:
    """Write `field_names` of each instance to its row by one prepared UPDATE run for all of
    them (executemany). Django's bulk_update builds one CASE per field over every row: a
    second and more for a thousand leads, while a SQLite site's other writers wait."""
    if not instances:
        return
    meta = type(instances[0])._meta
    fields: list[models.Field[Any, Any]] = []
    for name in field_names:
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.concrete:
            raise ValueError(f"{name} is not a column of {meta.label}")
        fields.append(field)
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    primary_key = quote(str(meta.pk.column)) if meta.pk is not None else "id"
    # Names come from the model; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {primary_key} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields]
        + [instance.pk]
        for instance in instances
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
