"""CEL conditions of playbooks: compiled and checked like the standards' rules (the
readiness rule compiler and the fact catalogue, plus the run's own ``run.*`` facts),
evaluated over a product's facts plus the run's facts.

Pure computation apart from the fact catalogue passed in: no Django import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import cel

from prodops.readiness import rules


@lru_cache(maxsize=512)
def _program(expr: str) -> Any:
    return cel.compile(expr)


def check(expr: str, catalog: rules.FactCatalog) -> None:
    """Raise ``rules.RuleError`` (line and column inside the expression) for a syntax
    error or a name that is not a known fact."""
    rules.compile_rule("condition", expr, catalog)


def evaluate(expr: str, facts: Mapping[str, Any], roots: Iterable[str], now: datetime) -> bool | None:
    """True or False, or None when the condition cannot be decided (a fact is unknown)."""
    context = rules.build_context(facts, roots, now)
    try:
        outcome = _program(expr).execute(cel.Context(context))
    except Exception:
        return None
    return outcome if isinstance(outcome, bool) else None


def conjuncts(expr: str) -> list[str]:
    """The parts of ``a && b && (c || d)`` joined by a top-level ``&&``, so that a refused
    close can say which part is missing. Brackets and quoted strings are respected."""
    parts: list[str] = []
    depth, start, i, quote = 0, 0, 0, ""
    while i < len(expr):
        ch = expr[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and expr.startswith("&&", i):
            parts.append(expr[start:i].strip())
            start = i + 2
            i += 1
        i += 1
    parts.append(expr[start:].strip())
    return [p for p in parts if p]


@dataclass(frozen=True)
class Missing:
    condition: str
    status: str  # false | unknown
    values: dict[str, Any]

    def describe(self) -> str:
        shown = ", ".join(f"{k} = {rules.jsonable(v)!r}" for k, v in self.values.items())
        return f"{self.condition} is {self.status}" + (f" ({shown})" if shown else "")


def missing_parts(expr: str, facts: Mapping[str, Any], roots: Iterable[str], now: datetime) -> list[Missing]:
    """Each top-level part of ``expr`` that does not hold, with the facts it reads."""
    roots = list(roots)
    found = []
    for part in conjuncts(expr):
        outcome = evaluate(part, facts, roots, now)
        if outcome is True:
            continue
        names = [n for n, _ in rules.references(part)]
        values = {n: facts.get(n) for n in names if n in facts}
        found.append(Missing(part, "false" if outcome is False else "unknown", values))
    return found
