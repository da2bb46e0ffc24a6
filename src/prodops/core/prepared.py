"""ORM queries built and compiled once, then run many times with new parameters.

Re-evaluating one product sends about twenty small queries, and on PostgreSQL most of
their cost is Django building the queryset (``filter``, ``annotate``, ``union``) and
compiling it to SQL, 1 to 4 ms each, against a quarter of that to send it and read
the rows. The SQL of such a query has a fixed shape: only the parameters change (the
product ids, "now"). A :class:`PreparedQuery` builds the queryset once per shape with
*placeholders* where the values go, keeps the compiled SQL and the compiler (for
Django's own converters: SQLite's datetimes, JSON), and then only substitutes the
values, sends the SQL and converts the rows.

    RISKS = PreparedQuery(
        lambda p: Risk.objects.filter(product_id__in_ids=p.ids, next_review__lt=p.today)
        .values_list("product_id", "id"),
        today=DateField(),
    )
    rows = RISKS.rows(ids=[4, 7], today=date.today())

* ``p.ids`` stands for a list of integer ids and works with the ``in_ids`` lookup only;
  the shape depends on how many there are, so one compiled form is kept per length,
  for batches of up to :data:`MAX_CACHED_IDS` (longer batches are built each time:
  their queries are few and their rows many). An empty list matches nothing, as
  ``in_ids`` does: inside an OR only its branch is dropped (``Q(pk__in_ids=p.ids) |
  Q(...)``), and a query that can match nothing sends nothing.
* A list of other values (strings) is declared with the field that types its items,
  ``slugs=ListOf(CharField())``, and used like ``p.ids`` (``slug__in_ids=p.slugs``).
* Every other placeholder is declared with the model field that types it (the value
  is prepared by that field, as a ``Value`` or a filter would prepare it).
* The queryset's result type is kept: ``values_list`` rows (tuples, or values with
  ``flat=True``), ``values`` dicts, or model instances (without ``select_related``).

What the SQL cannot show stays in ``build``: it must not read data or branch on the
values (it never sees them), and it runs once per shape and connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Field, QuerySet
from django.db.models.expressions import Expression
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesIterable, ValuesListIterable
from django.utils import timezone

MAX_CACHED_IDS = 16


class Slot:
    """Where a value goes in a compiled query's parameters: ``name`` (and ``index``
    within an id list), prepared by ``field`` (an id list's items are ints)."""

    __slots__ = ("field", "index", "name")

    def __init__(self, name: str, field: Field[Any, Any] | None = None, index: int | None = None) -> None:
        self.name, self.field, self.index = name, field, index

    def value(self, values: Mapping[str, Any], connection: Any) -> Any:
        value = values[self.name]
        if self.index is not None:
            value = value[self.index]
            if self.field is None:
                return int(value)
        assert self.field is not None
        return self.field.get_db_prep_value(value, connection, prepared=False)


class Param(Expression):
    """A placeholder for one value in a prepared query (``p.now``)."""

    def __init__(self, name: str, output_field: Field[Any, Any]) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return "%s", [Slot(self.name, self.output_field)]

    def __repr__(self) -> str:
        return f"Param({self.name!r})"


class ListOf:
    """Declares a list placeholder whose items ``field`` prepares (``slugs=ListOf(CharField())``);
    like ``p.ids`` it is used with ``in_ids`` and compiled once per length."""

    def __init__(self, field: Field[Any, Any]) -> None:
        self.field = field


class IdsParam:
    """A placeholder for a list of ``count`` integer ids (``p.ids``), or of values
    prepared by ``field`` (``ListOf``), for the ``in_ids`` lookup (``core.facts.InIds``).
    Not iterable on purpose: Django would otherwise check each "value" as a model
    instance."""

    def __init__(self, name: str, count: int, field: Field[Any, Any] | None = None) -> None:
        self.name, self.count, self.field = name, count, field

    def sql(self) -> tuple[str, list[Any]]:
        if not self.count:
            raise EmptyResultSet  # as in_ids does: Django drops the branch or the query
        slots = [Slot(self.name, self.field, index=i) for i in range(self.count)]
        return "(" + ", ".join(["%s"] * self.count) + ")", slots


class _Placeholders:
    def __init__(self, fields: Mapping[str, Field[Any, Any] | ListOf], ids: Mapping[str, int]) -> None:
        self._fields, self._ids = fields, ids

    def __getattr__(self, name: str) -> Any:
        declared = self._fields.get(name)
        if name in self._ids:
            return IdsParam(name, self._ids[name], declared.field if isinstance(declared, ListOf) else None)
        if isinstance(declared, Field):
            return Param(name, declared)
        raise AttributeError(f"prepared query has no parameter {name!r}; declare it")


class _Compiled:
    """One shape's SQL, its parameter template and what turns its rows into results."""

    def __init__(self, queryset: QuerySet[Any, Any], connection: Any) -> None:
        query = queryset.query
        if query.select_related:
            raise ValueError("a prepared query cannot use select_related")
        self.compiler = query.get_compiler(connection=connection)
        try:
            self.sql, self.template = self.compiler.as_sql()
        except EmptyResultSet:  # an empty id list where nothing else can match
            self.sql, self.template = "", []
            return
        self.iterable = queryset._iterable_class
        self.model = queryset.model
        self.db = connection.alias
        self.names: list[str] = []
        self.columns = self.compiler.col_count
        self.extra = self.compiler.has_extra_select
        if self.iterable is ValuesIterable:
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        elif self.iterable is ModelIterable:
            select, klass = self.compiler.select, self.compiler.klass_info
            fields = klass["select_fields"]
            self.model_slice = slice(fields[0], fields[-1] + 1)
            self.init_list = [f[0].target.attname for f in select[self.model_slice]]
            self.annotations = list(self.compiler.annotation_col_map.items())
        elif self.iterable not in (ValuesListIterable, FlatValuesListIterable):
            raise ValueError(f"a prepared query cannot return {self.iterable.__name__} rows")

    def run(self, values: Mapping[str, Any], connection: Any) -> list[Any]:
        if not self.sql:
            return []
        params = [p.value(values, connection) if isinstance(p, Slot) else p for p in self.template]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        if self.extra:
            fetched = [row[: self.columns] for row in fetched]
        rows = self.compiler.results_iter(results=[fetched])
        if self.iterable is ValuesListIterable:
            return [tuple(row) for row in rows]
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in rows]
        if self.iterable is ValuesIterable:
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        out = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.model_slice])
            for name, pos in self.annotations:
                setattr(obj, name, row[pos])
            out.append(obj)
        return out


class PreparedQuery:
    """A query built by ``build(p)`` with placeholders for its parameters (``p.ids``
    for integer id lists, ``p.<name>`` for each field declared here), compiled once per
    shape and database connection."""

    def __init__(
        self, build: Callable[[Any], QuerySet[Any, Any]], **fields: Field[Any, Any] | ListOf
    ) -> None:
        self.build = build
        self.fields = fields
        # Per thread and connection alias: a compiler holds its connection, and each
        # thread has its own (Django's connections are thread-local).
        self._local = threading.local()

    def _compiled(self, values: Mapping[str, Any], using: str) -> _Compiled:
        connection = connections[using]
        ids = {
            name: len(value)
            for name, value in values.items()
            if name not in self.fields or isinstance(self.fields[name], ListOf)
        }
        unknown = set(self.fields) - set(values)
        if unknown:
            raise TypeError(f"prepared query needs {', '.join(sorted(unknown))}")
        # The active time zone is part of the shape: date functions (TruncDate, Extract)
        # compile it into the SQL.
        key = (using, timezone.get_current_timezone_name(), tuple(sorted(ids.items())))
        cache: dict[Any, _Compiled] = self._local.__dict__.setdefault("cache", {})
        found = cache.get(key)
        if found is None or found.compiler.connection is not connection:
            queryset = self.build(_Placeholders(self.fields, ids)).using(using)
            found = _Compiled(queryset, connection)
            if all(n <= MAX_CACHED_IDS for n in ids.values()):
                cache[key] = found
        return found

    def rows(self, *, using: str = "default", **values: Any) -> list[Any]:
        """The query's results with these values: an empty id list matches nothing,
        as ``in_ids`` does (a query that can then match nothing is not sent)."""
        return self._compiled(values, using).run(values, connections[using])
