"""Rank known errors for a symptom, with the database's own full-text search.

One small adapter per database, the same contract: ``search(text, product_id, limit)``
returns ``[(known_error_id, relevance)]``, best first, relevance > 0.

* SQLite: FTS5 with the porter stemmer; relevance is ``-bm25()`` (Okapi BM25, FTS5's
  built-in ranking; bm25 is negative, lower is better). Columns are weighted so a match
  in the title or symptom outweighs one in the cause or workaround.
* PostgreSQL: ``to_tsvector('english', ...)`` with weights A (title, symptom), B (cause),
  C (workaround), ranked by ``ts_rank``, served by a GIN index on that expression.
* Other databases: a plain substring match, counted per word (no ranking model).

Words of the query are OR-ed, so a long symptom description still finds errors that
share only some of its words; those sharing more (and rarer) words rank higher.
"""

from __future__ import annotations

import re

from django.db import connection

from prodops.risks.models import KnownError

# title, symptom, cause, workaround
WEIGHTS = (4.0, 4.0, 2.0, 1.0)
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """The query's words, lower-case, deduplicated, in order."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        seen.setdefault(word, None)
    return list(seen)


def search(text: str, *, product_id: int | None = None, limit: int = 20) -> list[tuple[int, float]]:
    terms = words(text)
    if not terms:
        return []
    vendor = connection.vendor
    if vendor == "sqlite":
        return _sqlite(terms, product_id, limit)
    if vendor == "postgresql":
        return _postgresql(terms, product_id, limit)
    return _fallback(terms, product_id, limit)


def _sqlite(terms: list[str], product_id: int | None, limit: int) -> list[tuple[int, float]]:
    # Each word quoted, so FTS5 operators in user text (NEAR, *, ^, :) are plain words.
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = (
        f"SELECT k.id, -bm25(risks_knownerror_fts, {weights}) AS relevance "
        "FROM risks_knownerror_fts JOIN risks_knownerror k ON k.id = risks_knownerror_fts.rowid "
        "WHERE risks_knownerror_fts MATCH %s"
    )
    params: list[str | int] = [match]
    if product_id is not None:
        sql += " AND k.product_id = %s"
        params.append(product_id)
    sql += " ORDER BY relevance DESC, k.id LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def _pg_weighted(column: str, weight: str) -> str:
    return f"setweight(to_tsvector('english'::regconfig, coalesce({column}, '')), '{weight}')"


# The weighted document of a known error. Migration 0003 indexes exactly this expression
# (GIN), so keep the two the same: the planner matches index expressions textually.
PG_VECTOR = (
    "("
    + " || ".join(
        _pg_weighted(column, weight)
        for column, weight in (("title", "A"), ("symptom", "A"), ("cause", "B"), ("workaround", "C"))
    )
    + ")"
)


def _postgresql(terms: list[str], product_id: int | None, limit: int) -> list[tuple[int, float]]:
    # One plainto_tsquery per word, OR-ed (tsquery || tsquery): stop words drop out and
    # punctuation cannot form operators.
    query = " || ".join("plainto_tsquery('english'::regconfig, %s)" for _ in terms)
    sql = (
        f"SELECT id, ts_rank({PG_VECTOR}, q) AS relevance "
        f"FROM risks_knownerror, (SELECT {query}) AS s(q) "
        f"WHERE {PG_VECTOR} @@ q"
    )
    params: list[str | int] = list(terms)
    if product_id is not None:
        sql += " AND product_id = %s"
        params.append(product_id)
    sql += " ORDER BY relevance DESC, id LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(row[0]), float(row[1])) for row in cursor.fetchall()]


def _fallback(terms: list[str], product_id: int | None, limit: int) -> list[tuple[int, float]]:

    qs = KnownError.objects.all()
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    scored = []
    for ke in qs.only("id", "title", "symptom", "cause", "workaround"):
        text = " ".join((ke.title, ke.symptom, ke.cause, ke.workaround)).lower()
        hits = sum(text.count(t) for t in terms)
        if hits:
            scored.append((ke.id, float(hits)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]
