"""The rule engine: criteria, their CEL rules, and the evaluation of a product's facts.

Pure computation (no Django): plain data in, plain data out, so it is fast and tested on
its own. Rules are Common Expression Language (https://cel.dev) compiled by the
Rust-backed ``common-expression-language`` package (module ``cel``).

**How fact names map to CEL.** Facts are a flat namespace with dots
(``docs.runbook.count``). A product's facts are turned into nested maps, one level per
dot: ``docs.runbook.count = 2`` becomes the variable ``docs`` holding
``{"runbook": {"count": 2}}``, so a rule reads exactly like the fact name:
``docs.runbook.count > 0``. A name segment that is not a CEL identifier (a custom fact
``custom.load-test``) is reached by indexing: ``custom["load-test"]``. Every top-level
namespace of a registered fact exists (possibly empty), so ``has(custom.coverage)``
asks whether a fact is known. Dates become timestamps at midnight UTC; ``now`` is the
evaluation time as a timestamp. A missing fact makes the criterion *unknown*, unless
the rule does not need it (``false && docs.runbook.count > 0`` is false).

**Checks at compile time.** A rule is parsed once per standard version. Besides syntax,
every dotted name it reads must be a registered fact, a namespace of registered facts
(``custom``), or a field inside a fact of type ``map`` (or a custom fact). Errors carry
the criterion id and the line and column in the expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import cel

from prodops.readiness import celtypes

Status = Literal["pass", "fail", "waived", "unknown"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "waived", "unknown")
OK_STATUSES = frozenset({"pass", "waived"})
ROLES_FIXED = ("build_lead", "run_lead", "build_team", "run_team")

_DURATION = re.compile(r"^\s*(\d+)\s*([wdhm])\s*$")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_duration(text: str) -> timedelta:
    """``14d``, ``12h``, ``2w``, ``30m`` → timedelta. Raises ValueError on anything else."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 14d, 12h, 2w or 30m")
    try:
        return int(match.group(1)) * _UNITS[match.group(2)]
    except OverflowError:  # 99999999999d: beyond timedelta's range
        raise ValueError(f"{text!r} is too long a duration") from None


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for suffix, unit in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % unit == 0:
            return f"{seconds // unit}{suffix}"
    return f"{seconds}s"


# --- criteria -----------------------------------------------------------------------


@dataclass(frozen=True)
class Attest:
    """A named role must attest, with evidence; the attestation lasts ``every``."""

    role: str  # build_lead, run_lead, build_team, run_team, or team:<slug>
    every: timedelta | None = None


@dataclass(frozen=True)
class Criterion:
    id: str
    gate: str
    title: str = ""
    area: str = "general"
    severity: Literal["blocking", "advisory"] = "blocking"
    tiers: tuple[int, ...] | None = None
    rule: str | None = None
    attest: Attest | None = None
    why: str = ""
    fix: str = ""

    def applies_to(self, tier: int | None) -> bool:
        return self.tiers is None or tier in self.tiers


class RuleError(ValueError):
    """A rule that cannot be used: syntax error or unknown fact, with its position."""

    def __init__(self, criterion_id: str, message: str, line: int = 1, column: int = 1) -> None:
        self.criterion_id = criterion_id
        self.message = message
        self.line = line
        self.column = column
        super().__init__(f"criterion {criterion_id!r}: {message} (rule line {line}, column {column})")


# --- the fact catalogue seen by the compiler ------------------------------------------


@dataclass(frozen=True)
class FactName:
    """A registered fact name (possibly with a ``<placeholder>`` segment) and its type."""

    name: str
    type: str
    source: str = ""  # what provides the fact, in words ("no data yet: <source>")

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))


_SEGMENT = re.compile(r"^[A-Za-z0-9_\-]+$")


def _segment_matches(pattern: str, value: str) -> bool:
    return bool(_SEGMENT.match(value)) if pattern.startswith("<") else pattern == value


@dataclass
class FactCatalog:
    """The registered facts. ``placeholder_values`` restricts a placeholder to known
    values (``{"kind": {"runbook", ...}}``), so ``docs.runbok.count`` is refused."""

    facts: Sequence[FactName]
    placeholder_values: Mapping[str, Iterable[str]] = field(default_factory=dict)

    def _matches(self, pattern: str, value: str) -> bool:
        if not _segment_matches(pattern, value):
            return False
        allowed = self.placeholder_values.get(pattern.strip("<>")) if pattern.startswith("<") else None
        return allowed is None or value in allowed

    def lookup(self, name: str) -> FactName | None:
        segs = name.split(".")
        for fact in self.facts:
            spec = fact.segments
            if len(spec) == len(segs) and all(self._matches(p, v) for p, v in zip(spec, segs, strict=True)):
                return fact
        return None

    def is_namespace(self, name: str) -> bool:
        segs = name.split(".")
        return any(
            len(f.segments) > len(segs)
            and all(self._matches(p, v) for p, v in zip(f.segments, segs, strict=False))
            for f in self.facts
        )

    def roots(self) -> set[str]:
        return {f.segments[0] for f in self.facts}


# --- a tiny CEL lexer, to find the dotted names a rule reads ----------------------------

_KEYWORDS = {
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
}
_MACROS = {"all", "exists", "exists_one", "map", "filter"}
BUILTIN_VARIABLES = {"now"}


@dataclass(frozen=True)
class _Token:
    kind: str  # ident, punct, string, number
    text: str
    pos: int


def _tokens(expr: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(expr)
    while i < n:
        ch = expr[i]
        if ch.isspace():
            i += 1
        elif expr.startswith("//", i):
            j = expr.find("\n", i)
            i = n if j < 0 else j
        elif ch in "'\"" or (
            ch in "rRbB"
            and i + 1 < n
            and expr[i + 1] in "'\"rRbB"
            and re.match(r"[rRbB]{1,2}['\"]", expr[i:])
        ):
            start = i
            while expr[i] in "rRbB":
                i += 1
            quote = expr[i]
            triple = expr.startswith(quote * 3, i)
            delim = quote * 3 if triple else quote
            i += len(delim)
            while i < n and not expr.startswith(delim, i):
                i += 2 if expr[i] == "\\" else 1
            i += len(delim)
            out.append(_Token("string", expr[start:i], start))
        elif ch.isdigit():
            start = i
            while i < n and (expr[i].isalnum() or (expr[i] == "." and i + 1 < n and expr[i + 1].isdigit())):
                i += 1
            out.append(_Token("number", expr[start:i], start))
        elif ch.isalpha() or ch == "_":
            start = i
            while i < n and (expr[i].isalnum() or expr[i] == "_"):
                i += 1
            out.append(_Token("ident", expr[start:i], start))
        else:
            out.append(_Token("punct", ch, i))
            i += 1
    return out


def _line_col(expr: str, pos: int) -> tuple[int, int]:
    line = expr.count("\n", 0, pos) + 1
    return line, pos - (expr.rfind("\n", 0, pos) + 1) + 1


def references(expr: str) -> list[tuple[str, int]]:
    """The dotted names an expression reads, with their offset: ``docs.runbook.count``.
    Function calls, method calls, comprehension variables and keywords are left out."""
    toks = _tokens(expr)
    bound = {
        toks[i + 2].text
        for i in range(len(toks) - 3)
        if toks[i].kind == "ident"
        and toks[i].text in _MACROS
        and toks[i + 1].text == "("
        and toks[i + 2].kind == "ident"
        and toks[i + 3].text == ","
        and i > 0
        and toks[i - 1].text == "."
    }
    found: list[tuple[str, int]] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind != "ident" or (i > 0 and toks[i - 1].text == "."):
            i += 1
            continue
        chain = [tok.text]
        j = i + 1
        while j + 1 < len(toks) and toks[j].text == "." and toks[j + 1].kind == "ident":
            chain.append(toks[j + 1].text)
            j += 2
        if j < len(toks) and toks[j].text == "(":
            chain.pop()  # a function (size(x)) or a method (x.size())
        if (
            chain
            and chain[0] not in _KEYWORDS
            and chain[0] not in bound
            and chain[0] not in BUILTIN_VARIABLES
        ):
            found.append((".".join(chain), tok.pos))
        i = j
    return found


# --- compilation ----------------------------------------------------------------------

_CEL_POS = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")


@dataclass
class CompiledCriterion:
    criterion: Criterion
    program: Any = None  # cel.Program for rules
    facts: tuple[str, ...] = ()  # the concrete fact names the rule reads
    sources: tuple[str, ...] = ()  # what provides each of them, in the same order


def cel_type(catalog: FactCatalog, name: str) -> str | None:
    """The CEL type of a dotted name for the type checker (``celtypes``): a fact's
    declared type, ``namespace`` for a prefix of fact names, None if unknown. Custom
    facts hold any JSON value, so they are ``dyn`` whatever their declared type."""
    fact = catalog.lookup(name)
    if fact is not None:
        return "dyn" if name.startswith("custom.") else celtypes.FACT_TYPES.get(fact.type, "dyn")
    return celtypes.NAMESPACE if catalog.is_namespace(name) else None


def compile_rule(
    criterion_id: str, expr: str, catalog: FactCatalog, *, check_types: bool = False
) -> tuple[Any, tuple[str, ...]]:
    """Parse a rule and check every name it reads; raise RuleError with the position.
    With ``check_types``, also refuse an unknown function, a type mismatch or a result
    that is not true or false (done when a standard is applied; a stored standard is
    compiled without it, so that one applied before the check existed still loads)."""
    try:
        program = cel.compile(expr)
    except Exception as exc:  # the library raises ValueError with "<input>:line:col: ..."
        text = str(exc)
        match = _CEL_POS.search(text)
        if match:
            detail = match.group(3).split("\n")[0]
            raise RuleError(criterion_id, detail, int(match.group(1)), int(match.group(2))) from None
        raise RuleError(criterion_id, text.split("\n", maxsplit=1)[0]) from None
    facts: list[str] = []
    for name, pos in references(expr):
        segs = name.split(".")
        resolved = False
        for k in range(len(segs), 0, -1):
            prefix = ".".join(segs[:k])
            fact = catalog.lookup(prefix)
            if fact is None:
                continue
            if k < len(segs) and fact.type not in {"map", "list"} and not prefix.startswith("custom."):
                line, col = _line_col(expr, pos)
                raise RuleError(
                    criterion_id, f"fact {prefix!r} is a {fact.type}; it has no field {segs[k]!r}", line, col
                )
            facts.append(prefix)
            resolved = True
            break
        if not resolved and not catalog.is_namespace(name):
            line, col = _line_col(expr, pos)
            raise RuleError(criterion_id, f"unknown fact {name!r} (see `prodops facts`)", line, col)
    if check_types:
        try:
            celtypes.check(expr, lambda name: cel_type(catalog, name))
        except celtypes.TypeProblem as exc:
            line, col = _line_col(expr, exc.offset)
            raise RuleError(criterion_id, exc.message, line, col) from None
    return program, tuple(dict.fromkeys(facts))


@dataclass
class CompiledStandard:
    slug: str
    version: int
    stages: tuple[str, ...]
    criteria: list[CompiledCriterion]
    roots: frozenset[str] = frozenset()
    by_id: dict[str, CompiledCriterion] = field(default_factory=dict)
    # The facts the rules read, and the namespaces they read whole (``custom["x"]``):
    # only those go into a product's CEL context, which keeps it small.
    needed: frozenset[str] = frozenset()
    needed_prefixes: tuple[str, ...] = ()

    _for_tier: dict[int | None, tuple[CompiledCriterion, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # What callers derive from the standard and keep with it (it lives as long as the
    # compiled version): the readiness service keeps which fact providers it needs.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.by_id = {c.criterion.id: c for c in self.criteria}

    def for_tier(self, tier: int | None) -> tuple[CompiledCriterion, ...]:
        """The criteria that apply to a tier, in standard order (computed once per tier)."""
        found = self._for_tier.get(tier)
        if found is None:
            found = self._for_tier[tier] = tuple(c for c in self.criteria if c.criterion.applies_to(tier))
        return found

    def wants(self, name: str) -> bool:
        return name in self.needed or name.startswith(self.needed_prefixes)

    def gate_index(self, gate: str) -> int:
        return self.stages.index(gate)

    def gates_up_to(self, gate: str) -> tuple[str, ...]:
        """The gates that entering ``gate`` needs: that one and every earlier one."""
        return self.stages[1 : self.gate_index(gate) + 1]

    def stage_before(self, gate: str) -> str | None:
        """The stage a product is in when it asks to enter ``gate``."""
        if gate not in self.stages:
            return None
        i = self.stages.index(gate)
        return self.stages[i - 1] if i > 0 else None

    def next_stage(self, stage: str) -> str | None:
        if stage not in self.stages:
            return self.stages[1] if len(self.stages) > 1 else None
        i = self.stages.index(stage)
        return self.stages[i + 1] if i + 1 < len(self.stages) else None


def compile_standard(
    *,
    slug: str,
    version: int,
    stages: Sequence[str],
    criteria: Iterable[Criterion],
    catalog: FactCatalog,
    check_types: bool = False,
) -> CompiledStandard:
    compiled: list[CompiledCriterion] = []
    needed: set[str] = set()
    prefixes: set[str] = set()
    for crit in criteria:
        if crit.rule is not None:
            program, facts = compile_rule(crit.id, crit.rule, catalog, check_types=check_types)
            sources = tuple((getattr(catalog.lookup(f), "source", "") or "") for f in facts)
            compiled.append(CompiledCriterion(crit, program, facts, sources))
            needed.update(facts)
            prefixes.update(
                f"{name}."
                for name, _ in references(crit.rule)
                if catalog.lookup(name) is None and catalog.is_namespace(name)
            )
            # A map-typed fact read by field: keep the fact itself (already in facts).
        else:
            compiled.append(CompiledCriterion(crit))
    return CompiledStandard(
        slug=slug,
        version=version,
        stages=tuple(stages),
        criteria=compiled,
        roots=frozenset(catalog.roots()),
        needed=frozenset(needed),
        needed_prefixes=tuple(sorted(prefixes)),
    )


# --- evaluation -----------------------------------------------------------------------


@dataclass(frozen=True)
class AttestationInfo:
    by: str
    at: datetime
    expires_at: datetime | None
    evidence: str = ""


@dataclass(frozen=True)
class WaiverInfo:
    id: int
    expires_at: datetime
    reason: str = ""


@dataclass
class Result:
    id: str
    status: Status
    value: Any = None
    message: str = ""


_PLAIN = (int, float, str, bool, type(None))


def _cel_value(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _cel_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_cel_value(v) for v in value]
    return value


_SPLIT: dict[str, tuple[list[str], str]] = {}


def _split(name: str) -> tuple[list[str], str]:
    parts = _SPLIT.get(name)
    if parts is None:
        *path, leaf = name.split(".")
        parts = _SPLIT[name] = (path, leaf)
    return parts


def build_context(
    facts: Mapping[str, Any], roots: Iterable[str], now: datetime, keep: Callable[[str], bool] | None = None
) -> dict[str, Any]:
    """Nested maps from dotted fact names (see the module docstring); with ``keep``, only
    the facts it accepts."""
    ctx: dict[str, Any] = {root: {} for root in roots}
    for name, value in facts.items():
        if value is None or (keep is not None and not keep(name)):
            continue
        path, leaf = _split(name)
        node = ctx
        for seg in path:
            child = node.get(seg)
            if not isinstance(child, dict):
                child = node[seg] = {}
            node = child
        if not isinstance(node.get(leaf), dict) or not isinstance(value, dict):
            node[leaf] = _cel_value(value)
    ctx["now"] = now
    return ctx


def jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # the common case, first: most facts are numbers and flags
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def _evaluate_rule(cc: CompiledCriterion, context: Any, facts: Mapping[str, Any]) -> Result:
    crit = cc.criterion
    names = cc.facts
    value: Any = (
        jsonable(facts.get(names[0])) if len(names) == 1 else {n: jsonable(facts.get(n)) for n in names}
    )
    try:
        outcome = cc.program.execute(context)
    except Exception as exc:
        sources = cc.sources or ("",) * len(names)
        missing = [(n, src) for n, src in zip(names, sources, strict=False) if facts.get(n) is None]
        if missing:
            # The data has not arrived (no events, no estimate, no go-live yet): say what
            # would provide it, rather than sounding like a broken rule.
            what = "; ".join(f"{n} ({src})" if src else n for n, src in missing)
            return Result(crit.id, "unknown", value, f"no data yet: {what}")
        return Result(crit.id, "unknown", value, f"rule error: {str(exc).split('.')[0]}")
    if outcome is True:
        return Result(crit.id, "pass", value, "")
    if outcome is False:
        return Result(crit.id, "fail", value, f"{crit.rule} is false")
    return Result(crit.id, "unknown", value, f"rule gave {outcome!r}, not true or false")


# An attestation without an ``every`` of its own lasts this long: none lasts for ever.
DEFAULT_ATTESTATION_VALIDITY = timedelta(days=365)


def _evaluate_attest(
    crit: Criterion,
    info: AttestationInfo | None,
    now: datetime,
    *,
    stage_entered: tuple[str, datetime] | None = None,
) -> Result:
    """``stage_entered`` is (the stage before the criterion's gate, when the product last
    entered it): an attestation older than that speaks of an earlier state of the product
    and does not count for this gate."""
    role = crit.attest.role if crit.attest else "?"
    if info is None:
        return Result(crit.id, "fail", None, f"not attested by the {role.replace('_', ' ')}")
    expires = info.expires_at or info.at + DEFAULT_ATTESTATION_VALIDITY
    value = {
        "by": info.by,
        "at": info.at.isoformat(),
        "expires_at": expires.isoformat(),
        "evidence": info.evidence,
    }
    if expires <= now:
        return Result(crit.id, "fail", value, f"attestation by {info.by} expired on {expires:%Y-%m-%d}")
    if stage_entered is not None and info.at < stage_entered[1]:
        stage, since = stage_entered
        return Result(
            crit.id,
            "fail",
            value,
            f"attested on {info.at:%Y-%m-%d}, before the product entered {stage} on {since:%Y-%m-%d}: "
            "attest again",
        )
    return Result(crit.id, "pass", value, f"attested by {info.by} on {info.at:%Y-%m-%d}")


def evaluate_product(
    standard: CompiledStandard,
    *,
    facts: Mapping[str, Any],
    tier: int | None,
    now: datetime,
    attestations: Mapping[str, AttestationInfo] | None = None,
    waivers: Mapping[str, WaiverInfo] | None = None,
    stage_entered: Mapping[str, datetime] | None = None,
) -> list[Result]:
    """Every applicable criterion of the standard for one product, in standard order.
    A failing or unknown criterion with a waiver that has not expired is ``waived``.
    ``stage_entered`` maps a stage to when the product last entered it: an attestation
    counts for a gate only if made after the product entered the stage before it."""
    attestations = attestations or {}
    waivers = waivers or {}
    context: Any = None
    results: list[Result] = []
    for cc in standard.for_tier(tier):
        crit = cc.criterion
        if cc.program is not None:
            if context is None:
                # One CEL context per product, shared by all its rules: building it is
                # the costly part, executing a compiled rule on it takes about 1 µs.
                context = cel.Context(build_context(facts, standard.roots, now, standard.wants))
            result = _evaluate_rule(cc, context, facts)
        else:
            before = standard.stage_before(crit.gate)
            entered = (stage_entered or {}).get(before) if before else None
            result = _evaluate_attest(
                crit,
                attestations.get(crit.id),
                now,
                stage_entered=(before, entered) if before and entered else None,
            )
        waiver = waivers.get(crit.id) if waivers else None
        if waiver is not None and result.status in {"fail", "unknown"} and waiver.expires_at > now:
            result = Result(
                crit.id,
                "waived",
                result.value,
                f"waived until {waiver.expires_at:%Y-%m-%d} (waiver {waiver.id}): {waiver.reason}"
                + (f"; without it: {result.message}" if result.message else ""),
            )
        results.append(result)
    return results


def gate_blockers(standard: CompiledStandard, results: Iterable[Result], gate: str) -> list[Result]:
    """The blocking criteria of ``gate`` and every earlier gate that neither pass nor are
    waived: an empty list means the gate is open (gates are cumulative)."""
    gates = set(standard.gates_up_to(gate))
    blockers = []
    for result in results:
        crit = standard.by_id[result.id].criterion
        if crit.gate in gates and crit.severity == "blocking" and result.status not in OK_STATUSES:
            blockers.append(result)
    return blockers


def plain_baseline(facts: Mapping[str, Any], checks: Sequence[Callable[[Mapping[str, Any]], bool]]) -> int:
    """The same kind of checks written as Python lambdas: the benchmark's baseline."""
    return sum(1 for check in checks if check(facts))
