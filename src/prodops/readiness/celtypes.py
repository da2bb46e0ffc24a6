"""Static type checking of CEL rules against the declared types of the facts.

Pure computation (no Django). The ``cel`` package compiles and runs CEL but has no type
checker, so a rule calling an unknown function, comparing a count with a string or giving
a number instead of true/false was accepted and stayed *unknown* for ever. This module
parses a rule that ``cel`` has already accepted (so its syntax is valid) into a small
tree and infers the type of every node, following the CEL language definition
(https://github.com/google/cel-spec/blob/master/doc/langdef.md, "Standard definitions")
restricted to what the ``cel`` runtime implements (e.g. no ``max``, no string
extensions, no global ``matches``).

Types: ``int uint double bool string bytes timestamp duration null type dyn``,
``list(T)``, ``map(K, V)``, and a fact namespace (``docs`` in ``docs.runbook.count``),
which reads like a map. ``dyn`` (a custom fact, a map's values) is compatible with
everything, so only what is certainly wrong is refused. Numbers of different kinds may
be compared (``slo.count > 0.5``), as the runtime allows, but not added.

``check(expr, resolve)`` raises ``TypeProblem(message, offset)`` for the first problem.
``resolve(name)`` gives a dotted fact name's CEL type, ``NAMESPACE`` for a prefix of fact
names, or None for an unknown name. Syntax this parser does not know (message
construction, qualified names with a leading dot) is not checked rather than refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

NAMESPACE = "namespace"

# CEL types of the fact registry's declared types
FACT_TYPES = {
    "int": "int",
    "float": "double",
    "bool": "bool",
    "string": "string",
    "date": "timestamp",
    "duration": "duration",
    "list": "list(dyn)",
    "map": "map(string, dyn)",
}

NUMBERS = {"int", "uint", "double"}
ORDERED = NUMBERS | {"string", "bytes", "bool", "timestamp", "duration"}
TYPE_NAMES = {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"}


class TypeProblem(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class Unsupported(Exception):
    """Syntax this parser does not handle; the rule is then not type-checked."""


# --- types ------------------------------------------------------------------------------


def _list(elem: str) -> str:
    return f"list({elem})"


def _parts(t: str) -> tuple[str, list[str]]:
    """``map(string, dyn)`` → ("map", ["string", "dyn"])."""
    if "(" not in t:
        return t, []
    head, inner = t.split("(", 1)
    args, depth, cur = [], 0, ""
    for ch in inner[:-1]:
        if ch == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    args.append(cur.strip())
    return head, args


def _kind(t: str) -> str:
    return _parts(t)[0]


def _assignable(a: str, b: str) -> bool:
    """Whether values of types a and b may meet (in ==, in a list, as branches)."""
    if "dyn" in {a, b} or "null" in {a, b} or a == b:
        return True
    if a in NUMBERS and b in NUMBERS:
        return True
    ka, aa = _parts(a)
    kb, ab = _parts(b)
    if ka == kb and ka in {"list", "map", NAMESPACE}:
        return all(_assignable(x, y) for x, y in zip(aa, ab, strict=False))
    return {ka, kb} <= {"map", NAMESPACE}


def _join(a: str, b: str) -> str:
    return a if a == b else "dyn"


def _show(t: str) -> str:
    return "map" if _kind(t) == NAMESPACE else t


def _a(t: str) -> str:
    """The type with its article: "an int", "a string"."""
    shown = _show(t)
    return f"{'an' if shown[0] in 'aeiou' else 'a'} {shown}"


# --- lexer ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
  | (?P<string>[rRbB]{0,2}(?:'''(?:\\.|[^\\])*?'''|\"\"\"(?:\\.|[^\\])*?\"\"\"
               |'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"))
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>&&|\|\||==|!=|<=|>=|[-+*/%!<>?:.,()\[\]{}])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Tok:
    kind: str
    text: str
    pos: int


def tokens(expr: str) -> list[Tok]:
    out: list[Tok] = []
    pos = 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:
            raise Unsupported(f"character {expr[pos]!r}")
        kind = m.lastgroup or ""
        if kind != "space":
            out.append(Tok(kind, m.group(), pos))
        pos = m.end()
    out.append(Tok("end", "", len(expr)))
    return out


# --- parser (CEL grammar, langdef.md "Syntax") --------------------------------------------


@dataclass
class Node:
    kind: str  # lit, ident, select, index, call, method, list, map, unary, binary, cond, has, macro
    pos: int
    text: str = ""  # literal type, name, operator or field
    args: list[Node] = field(default_factory=list)


_BINARY = [
    ("||",),
    ("&&",),
    ("==", "!=", "<", "<=", ">", ">=", "in"),
    ("+", "-"),
    ("*", "/", "%"),
]
_MACROS = {"all", "exists", "exists_one", "map", "filter"}


class _Parser:
    def __init__(self, expr: str) -> None:
        self.toks = tokens(expr)
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self, text: str | None = None) -> Tok:
        tok = self.tok
        if text is not None and tok.text != text:
            raise Unsupported(f"expected {text!r} at {tok.pos}")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.expr()
        if self.tok.kind != "end":
            raise Unsupported(f"unexpected {self.tok.text!r}")
        return node

    def expr(self) -> Node:
        cond = self.binary(0)
        if self.tok.text == "?":
            pos = self.take().pos
            yes = self.binary(0)
            self.take(":")
            no = self.expr()
            return Node("cond", pos, "?:", [cond, yes, no])
        return cond

    def binary(self, level: int) -> Node:
        if level == len(_BINARY):
            return self.unary()
        left = self.binary(level + 1)
        while self.tok.text in _BINARY[level] and self.tok.kind in {"op", "ident"}:
            op = self.take()
            right = self.binary(level + 1)
            left = Node("binary", op.pos, op.text, [left, right])
        return left

    def unary(self) -> Node:
        if self.tok.text in {"!", "-"} and self.tok.kind == "op":
            op = self.take()
            return Node("unary", op.pos, op.text, [self.unary()])
        return self.member()

    def args(self, close: str) -> list[Node]:
        out: list[Node] = []
        while self.tok.text != close:
            out.append(self.expr())
            if self.tok.text != ",":
                break
            self.take(",")
        self.take(close)
        return out

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.tok.text == ".":
                self.take()
                name = self.take()
                if name.kind != "ident":
                    raise Unsupported("field name")
                if self.tok.text == "(":
                    self.take()
                    node = Node("method", name.pos, name.text, [node, *self.args(")")])
                else:
                    node = Node("select", name.pos, name.text, [node])
            elif self.tok.text == "[":
                pos = self.take().pos
                index = self.expr()
                self.take("]")
                node = Node("index", pos, "[]", [node, index])
            elif self.tok.text == "{":
                raise Unsupported("message construction")
            else:
                return node

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            text = tok.text.lower()
            if text.endswith("u"):
                kind = "uint"
            elif not text.startswith("0x") and any(c in text for c in ".e"):
                kind = "double"
            else:
                kind = "int"
            return Node("lit", tok.pos, kind)
        if tok.kind == "string":
            prefix = tok.text[: len(tok.text) - len(tok.text.lstrip("rRbB"))].lower()
            kind = "bytes" if "b" in prefix else "string"
            return Node("lit", tok.pos, kind, [Node("str", tok.pos, tok.text)])
        if tok.kind == "ident":
            if tok.text in {"true", "false"}:
                return Node("lit", tok.pos, "bool")
            if tok.text == "null":
                return Node("lit", tok.pos, "null")
            if self.tok.text == "(":
                self.take()
                args = self.args(")")
                if tok.text == "has":
                    return Node("has", tok.pos, "has", args)
                return Node("call", tok.pos, tok.text, args)
            return Node("ident", tok.pos, tok.text)
        if tok.text == "(":
            node = self.expr()
            self.take(")")
            return node
        if tok.text == "[":
            return Node("list", tok.pos, "[]", self.args("]"))
        if tok.text == "{":
            items: list[Node] = []
            while self.tok.text != "}":
                items.append(self.expr())
                self.take(":")
                items.append(self.expr())
                if self.tok.text != ",":
                    break
                self.take(",")
            self.take("}")
            return Node("map", tok.pos, "{}", items)
        raise Unsupported(f"unexpected {tok.text!r}")


def parse(expr: str) -> Node:
    return _Parser(expr).parse()


# --- checker ----------------------------------------------------------------------------

# Global functions the runtime has: name → (accepted argument kinds, result).
_FUNCTIONS: dict[str, tuple[set[str], str]] = {
    "size": ({"string", "bytes", "list", "map", NAMESPACE}, "int"),
    "int": (NUMBERS | {"string"}, "int"),
    "uint": (NUMBERS | {"string"}, "uint"),
    "double": (NUMBERS | {"string"}, "double"),
    "string": (ORDERED | {"null", "list", "map"}, "string"),
    "bytes": ({"string", "bytes"}, "bytes"),
    "timestamp": ({"string", "timestamp"}, "timestamp"),
    "duration": ({"string", "duration"}, "duration"),
    "dyn": (set(), "dyn"),  # empty: anything
    "type": (set(), "type"),
}
# Methods: name → {receiver kind: (argument kinds, result)}.
_TIME_GETTERS = [
    *("getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek"),
    *("getHours", "getMinutes", "getSeconds", "getMilliseconds"),
]
_METHODS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "size": dict.fromkeys(("string", "bytes", "list", "map", NAMESPACE), ((), "int")),
    "contains": {"string": (("string",), "bool")},
    "startsWith": {"string": (("string",), "bool")},
    "endsWith": {"string": (("string",), "bool")},
    "matches": {"string": (("string",), "bool")},
    **{name: {"timestamp": ((), "int")} for name in _TIME_GETTERS},
}
for _name in ("getHours", "getMinutes", "getSeconds", "getMilliseconds"):
    _METHODS[_name]["duration"] = ((), "int")

_ARITHMETIC: dict[str, list[tuple[str, str, str]]] = {
    "+": [
        *((n, n, n) for n in NUMBERS),
        ("string", "string", "string"),
        ("bytes", "bytes", "bytes"),
        ("timestamp", "duration", "timestamp"),
        ("duration", "timestamp", "timestamp"),
        ("duration", "duration", "duration"),
    ],
    "-": [
        *((n, n, n) for n in NUMBERS),
        ("timestamp", "timestamp", "duration"),
        ("timestamp", "duration", "timestamp"),
        ("duration", "duration", "duration"),
    ],
    "*": [(n, n, n) for n in NUMBERS],
    "/": [(n, n, n) for n in NUMBERS],
    "%": [("int", "int", "int"), ("uint", "uint", "uint")],
}


@dataclass
class _Checker:
    resolve: Callable[[str], str | None]
    scope: dict[str, str] = field(default_factory=dict)

    def fail(self, message: str, node: Node) -> TypeProblem:
        return TypeProblem(message, node.pos)

    def dotted(self, node: Node) -> str | None:
        """``docs.runbook.count`` for a chain of selects on an identifier (not bound)."""
        if node.kind == "ident" and node.text not in self.scope:
            return node.text
        if node.kind == "select":
            inner = self.dotted(node.args[0])
            return f"{inner}.{node.text}" if inner is not None else None
        return None

    def name_type(self, name: str) -> str | None:
        found = self.resolve(name)
        if found == NAMESPACE:
            return f"{NAMESPACE}({name})"
        return found

    def type_of(self, node: Node) -> str:
        method = getattr(self, f"_{node.kind}")
        result: str = method(node)
        return result

    def _lit(self, node: Node) -> str:
        return node.text

    def _ident(self, node: Node) -> str:
        if node.text in self.scope:
            return self.scope[node.text]
        if node.text == "now":
            return "timestamp"
        if node.text in TYPE_NAMES:
            return "type"
        found = self.name_type(node.text)
        return found or "dyn"  # unknown names are the fact check's to report

    def _select(self, node: Node) -> str:
        name = self.dotted(node)
        if name is not None and (found := self.name_type(name)) is not None:
            return found
        target = self.type_of(node.args[0])
        kind, args = _parts(target)
        if kind == "map":
            return args[1]
        if kind in {"dyn", NAMESPACE}:
            return "dyn"
        raise self.fail(f"{_a(target)} has no field {node.text!r}", node)

    def _index(self, node: Node) -> str:
        target = self.type_of(node.args[0])
        key = node.args[1]
        key_type = self.type_of(key)
        kind, args = _parts(target)
        if kind == NAMESPACE:
            if key.kind == "lit" and key.args and key_type == "string":
                literal = key.args[0].text.strip("'\"")
                found = self.name_type(f"{args[0]}.{literal}")
                if found is not None:
                    return found
            return "dyn"
        if kind == "list":
            if key_type not in {"int", "uint", "dyn"}:
                raise self.fail(f"a list is indexed by an int, not {_a(key_type)}", node)
            return args[0]
        if kind == "map":
            if not _assignable(args[0], key_type):
                raise self.fail(f"a map with {args[0]} keys is indexed by {_a(key_type)}", node)
            return args[1]
        if kind == "dyn":
            return "dyn"
        raise self.fail(f"{_a(target)} cannot be indexed", node)

    def _list(self, node: Node) -> str:
        elem = ""
        for item in node.args:
            t = self.type_of(item)
            elem = t if not elem else _join(elem, t)
        return _list(elem or "dyn")

    def _map(self, node: Node) -> str:
        key = value = ""
        for i in range(0, len(node.args), 2):
            k, v = self.type_of(node.args[i]), self.type_of(node.args[i + 1])
            key = k if not key else _join(key, k)
            value = v if not value else _join(value, v)
        return f"map({key or 'dyn'}, {value or 'dyn'})"

    def _has(self, node: Node) -> str:
        if len(node.args) != 1 or node.args[0].kind != "select":
            raise self.fail("has() takes one field selection, such as has(warranty.forecast_end)", node)
        self.type_of(node.args[0].args[0])
        return "bool"

    def _unary(self, node: Node) -> str:
        t = self.type_of(node.args[0])
        if node.text == "!":
            if t not in {"bool", "dyn"}:
                raise self.fail(f"'!' needs a bool, not {_a(t)}", node)
            return "bool"
        if t not in {"int", "double", "dyn"}:
            raise self.fail(f"'-' needs a number, not {_a(t)}", node)
        return t

    def _cond(self, node: Node) -> str:
        cond, yes, no = (self.type_of(a) for a in node.args)
        if cond not in {"bool", "dyn"}:
            raise self.fail(f"the condition of '?:' is {_a(cond)}, not a bool", node)
        if not _assignable(yes, no):
            raise self.fail(f"the branches of '?:' differ: {_show(yes)} and {_show(no)}", node)
        return _join(yes, no)

    def _binary(self, node: Node) -> str:
        op = node.text
        left, right = (self.type_of(a) for a in node.args)
        if op in {"&&", "||"}:
            for side in (left, right):
                if side not in {"bool", "dyn"}:
                    raise self.fail(f"'{op}' needs bools, not {_a(side)}", node)
            return "bool"
        if op in {"==", "!="}:
            if not _assignable(left, right):
                raise self.fail(f"type mismatch: {_show(left)} {op} {_show(right)}", node)
            return "bool"
        if op in {"<", "<=", ">", ">="}:
            if "dyn" in {left, right}:
                return "bool"
            if (left in NUMBERS and right in NUMBERS) or (left == right and left in ORDERED):
                return "bool"
            raise self.fail(f"type mismatch: {_show(left)} {op} {_show(right)}", node)
        if op == "in":
            kind, args = _parts(right)
            if kind == "dyn":
                return "bool"
            if kind == "list" and _assignable(left, args[0]):
                return "bool"
            if kind == "map" and _assignable(left, args[0]):
                return "bool"
            if kind == NAMESPACE and left in {"string", "dyn"}:
                return "bool"
            raise self.fail(f"type mismatch: {_show(left)} in {_show(right)}", node)
        if "dyn" in {left, right}:
            return "dyn"
        if op == "+" and _kind(left) == "list" and _kind(right) == "list":
            return _list(_join(_parts(left)[1][0], _parts(right)[1][0]))
        for a, b, result in _ARITHMETIC[op]:
            if (a, b) == (left, right):
                return result
        raise self.fail(f"type mismatch: {_show(left)} {op} {_show(right)}", node)

    def _call(self, node: Node) -> str:
        spec = _FUNCTIONS.get(node.text)
        if spec is None:
            raise self.fail(f"unknown function {node.text!r}", node)
        accepted, result = spec
        if len(node.args) != 1:
            raise self.fail(f"{node.text}() takes one argument, not {len(node.args)}", node)
        t = self.type_of(node.args[0])
        if accepted and t != "dyn" and _kind(t) not in accepted:
            raise self.fail(f"{node.text}() does not take {_a(t)}", node)
        return result

    def _method(self, node: Node) -> str:
        receiver, *args = node.args
        if node.text in _MACROS:
            return self.macro(node)
        table = _METHODS.get(node.text)
        if table is None:
            raise self.fail(f"unknown function {node.text!r}", node)
        target = self.type_of(receiver)
        kind = _kind(target)
        if kind == "dyn":
            results = {r for _, r in table.values()}
            return results.pop() if len(results) == 1 else "dyn"
        if kind not in table:
            raise self.fail(f"{_a(target)} has no method {node.text}()", node)
        params, result = table[kind]
        if len(args) != len(params):
            raise self.fail(f"{node.text}() takes {len(params)} argument(s), not {len(args)}", node)
        for want, arg in zip(params, args, strict=True):
            got = self.type_of(arg)
            if not _assignable(want, got):
                raise self.fail(f"{node.text}() takes {_a(want)}, not {_a(got)}", arg)
        return result

    def macro(self, node: Node) -> str:
        receiver, *args = node.args
        target = self.type_of(receiver)
        kind, targs = _parts(target)
        if kind in {"list", "map"}:
            var_type = targs[0]
        elif kind == NAMESPACE:
            var_type = "string"
        elif kind == "dyn":
            var_type = "dyn"
        else:
            raise self.fail(f"{node.text}() needs a list or a map, not {_a(target)}", node)
        arity = (2, 3) if node.text == "map" else (2,)
        if len(args) not in arity or args[0].kind != "ident":
            raise self.fail(f"{node.text}() takes a variable name and an expression", node)
        saved = dict(self.scope)
        self.scope[args[0].text] = var_type
        try:
            bodies = [self.type_of(a) for a in args[1:]]
        finally:
            self.scope = saved
        predicates = bodies if node.text != "map" else bodies[:-1]
        for body, arg in zip(predicates, args[1:], strict=False):
            if body not in {"bool", "dyn"}:
                raise self.fail(f"the condition of {node.text}() is {_a(body)}, not a bool", arg)
        if node.text == "map":
            return _list(bodies[-1])
        if node.text == "filter":
            return _list(var_type) if kind == "list" else "list(dyn)"
        return "bool"


def infer(expr: str, resolve: Callable[[str], str | None]) -> str | None:
    """The type of the expression, or None when the parser does not handle its syntax.
    Raises TypeProblem."""
    try:
        tree = parse(expr)
    except Unsupported:
        return None
    return _Checker(resolve).type_of(tree)


def check(expr: str, resolve: Callable[[str], str | None]) -> None:
    """Refuse (TypeProblem) a rule that is ill-typed or does not give true or false."""
    result = infer(expr, resolve)
    if result is not None and result not in {"bool", "dyn"}:
        raise TypeProblem(f"the rule gives {_a(result)}, not true or false", 0)
