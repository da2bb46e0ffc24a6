"""Replay the reproductions of the security audit of 2026-11-29 against any checkout.

    python3 scripts/audit_replay.py CHECKOUT [--database-url postgres://…] [--json OUT]
    python3 scripts/audit_replay.py --compare OLD.json NEW.json …   (a Markdown table)

CHECKOUT is a directory holding a ProdOps checkout with its `.venv` (made by
`scripts/bootstrap --dev`). The script loads the demo into a throwaway database (a new
SQLite file, or the PostgreSQL database given, which must be empty), serves it with that
checkout's `prodops serve` on a free port, and sends each reproduction of
shared/audits/2026-11-29-security.md (and issue 10) from the outside: HTTP requests, the
checkout's own CLI, the Django admin. Each case prints `fixed` when the answer is the
one the issue asks for and `BUG` with what was observed otherwise. Only the standard
library is used, so one copy of this script judges old and new code alike (the audited
commit is 6f56407). The races of H1 need PostgreSQL and run only with --database-url.

The figures of the last replay are in docs/security.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import hmac
import http.cookiejar
import json
import os
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GITHUB_SECRET = "ghsecret123"
ADMIN_PASSWORD = "replay-Admin-pw-1"
MEMBER = "mei.chen@acme.example.com"  # a plain member who leads nothing
LATER = "2027-02-01T00:00:00Z"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class Instance:
    """One served checkout on a throwaway database."""

    def __init__(self, checkout: Path, database_url: str | None) -> None:
        self.checkout = checkout
        self.tmp = Path(tempfile.mkdtemp(prefix="audit-replay-"))
        self.env = {
            **os.environ,
            "PRODOPS_DATA_DIR": str(self.tmp / "data"),
            "PRODOPS_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
            "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        }
        self.env.pop("DATABASE_URL", None)
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.postgres = bool(database_url and database_url.startswith("postgres"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.server: subprocess.Popen[bytes] | None = None
        self.tokens: dict[str, str] = {}

    # -- the checkout's CLI -------------------------------------------------------------
    def cli(
        self, *args: str, stdin: bytes | None = None, timeout: float = 120, memory_cap: int | None = None
    ) -> tuple[int | None, str]:
        """Run `prodops ARGS`; (exit code or None on timeout, stdout+stderr)."""

        def cap() -> None:
            if memory_cap:
                resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))

        proc = subprocess.Popen(
            [str(self.checkout / ".venv/bin/prodops"), *args],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=cap,  # noqa: PLW1509 - the CLI is only run from the main thread
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            return None, out.decode(errors="replace")
        return proc.returncode, out.decode(errors="replace")

    def token(self, email: str) -> str:
        if email not in self.tokens:
            code, out = self.cli("token", "create", email)
            if code != 0:
                raise RuntimeError(f"token create {email}: {out}")
            self.tokens[email] = re.findall(r"\S+", out.strip().splitlines()[-1])[-1]
        return self.tokens[email]

    def start(self) -> None:
        code, out = self.cli("demo", "--no-serve", timeout=600)
        if code != 0:
            raise RuntimeError(f"demo: {out[-2000:]}")
        code, out = self.cli(
            "createsuperuser",
            "--noinput",
            "--username",
            "replay-admin",
            "--email",
            "replay-admin@example.com",
        )
        if code != 0:
            raise RuntimeError(f"createsuperuser: {out[-2000:]}")
        log = (self.tmp / "server.log").open("wb")
        self.server = subprocess.Popen(
            [str(self.checkout / ".venv/bin/prodops"), "serve", "--port", str(self.port), "--workers", "4"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/accounts/login/", timeout=2).read()
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.5)
        raise RuntimeError("the server did not answer in 90 s")

    def stop(self) -> None:
        if self.server is not None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- HTTP ---------------------------------------------------------------------------
    def http(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> Answer:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with (opener or urllib.request.build_opener()).open(req, timeout=timeout) as resp:
                status, payload, head = resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            status, payload, head = exc.code, exc.read(), dict(exc.headers)
        except TimeoutError:
            return Answer(0, f"no answer in {timeout:.0f} s", {})
        except urllib.error.URLError as exc:
            return Answer(0, f"connection failed: {exc.reason}", {})
        try:
            parsed: Any = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload.decode(errors="replace")
        return Answer(status, parsed, head)

    def api(self, method: str, path: str, token: str | None, body: Any = None, **kw: Any) -> Answer:
        return self.http(method, "/api/v1" + path, token=token, body=body, **kw)

    def product(self, slug: str) -> dict[str, Any]:
        answer = self.api("GET", f"/products/{slug}", self.token("replay-admin@example.com"))
        return answer.body if isinstance(answer.body, dict) else {}

    def products(self) -> list[dict[str, Any]]:
        body = self.api("GET", "/products?limit=100", self.token("replay-admin@example.com")).body
        return body["items"] if isinstance(body, dict) else body

    def admin_session(self) -> urllib.request.OpenerDirector:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(self.base + "/admin/login/?next=/admin/").read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        form = urllib.parse.urlencode(
            {
                "username": "replay-admin",
                "password": ADMIN_PASSWORD,
                "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
                "next": "/admin/",
            }
        ).encode()
        req = urllib.request.Request(
            self.base + "/admin/login/?next=/admin/",
            data=form,
            headers={"Referer": self.base + "/admin/login/"},
        )
        opener.open(req).read()
        return opener


def owners(product: dict[str, Any]) -> tuple[str, str]:
    own = product.get("owners") or {}
    return own.get("build_lead", ""), own.get("run_lead", "")


def is_refused(answer: Answer, *codes: int) -> bool:
    return answer.status in (codes or (401, 403, 404, 409, 412, 422, 428))


def seen(answer: Answer) -> str:
    body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
    return f"{answer.status} {body[:160]!s}"


def github(inst: Instance, event: str, payload: dict[str, Any]) -> Answer:
    raw = json.dumps(payload).encode()
    sig = hmac.new(GITHUB_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return inst.http(
        "POST",
        "/api/v1/webhooks/github",
        raw=raw,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": f"sha256={sig}",
        },
    )


# -- the cases --------------------------------------------------------------------------
Result = tuple[bool, str]
CASES: list[tuple[str, str, Callable[[Instance], Result]]] = []


def case(ref: str, title: str) -> Callable[[Callable[[Instance], Result]], Callable[[Instance], Result]]:
    def register(fn: Callable[[Instance], Result]) -> Callable[[Instance], Result]:
        CASES.append((ref, title, fn))
        return fn

    return register


def viewer(inst: Instance) -> str:
    token = inst.token("viewer@example.com")
    inst.cli("role", "viewer@example.com", "viewer")
    return token


@case("C1", "a viewer's token deletes a product")
def viewer_deletes(inst: Instance) -> Result:
    slug = inst.products()[-1]["slug"]
    answer = inst.api("DELETE", f"/products/{slug}", viewer(inst), headers={"If-Match": "*"})
    return is_refused(answer, 401, 403), seen(answer)


@case("C1", "a viewer's token creates a product in operate naming one person as both leads")
def viewer_creates(inst: Instance) -> Result:
    lena = "lena.fischer@acme.example.com"
    answer = inst.api(
        "POST",
        "/products",
        viewer(inst),
        {
            "slug": "viewer-made",
            "name": "V",
            "stage": "operate",
            "owners": {"build_lead": lena, "run_lead": lena},
        },
    )
    return is_refused(answer, 401, 403, 422), seen(answer)


@case("C1", "a viewer's token pushes a custom fact that decides gates")
def viewer_facts(inst: Instance) -> Result:
    slug = inst.products()[0]["slug"]
    answer = inst.api("PATCH", f"/products/{slug}/facts", viewer(inst), {"test_coverage": 0.99})
    return is_refused(answer, 401, 403), seen(answer)


@case("C1", "a plain member makes itself both leads of someone else's product")
def member_takes_leads(inst: Instance) -> Result:
    answer = inst.api(
        "PATCH",
        "/products/payments-api",
        inst.token(MEMBER),
        {"owners": {"build_lead": MEMBER, "run_lead": MEMBER}},
        headers={"If-Match": "*"},
    )
    return is_refused(answer, 403, 422) and owners(inst.product("payments-api"))[0] != MEMBER, seen(answer)


@case("C1", "a plain member waives a blocking criterion of someone else's product")
def member_waives(inst: Instance) -> Result:
    answer = inst.api(
        "POST",
        "/products/payments-api/waivers",
        inst.token(MEMBER),
        {"criterion": "owners-named", "reason": "x", "expires_at": LATER},
    )
    return is_refused(answer, 403), seen(answer)


@case("C1", "a plain member requests a stage move of someone else's product")
def member_moves(inst: Instance) -> Result:
    answer = inst.api(
        "POST", "/products/payments-api/transitions", inst.token(MEMBER), {"to_stage": "pilot", "reason": "x"}
    )
    return is_refused(answer, 403), seen(answer)


@case("C1", "a lead demoted to viewer still proposes a waiver")
def demoted_lead(inst: Instance) -> Result:
    build, _ = owners(inst.product("loyalty-app"))
    token = inst.token(build)
    inst.cli("role", build, "viewer")
    answer = inst.api(
        "POST",
        "/products/loyalty-app/waivers",
        token,
        {"criterion": "owners-named", "reason": "x", "expires_at": LATER},
    )
    return is_refused(answer, 403), seen(answer)


@case("H2", "a sign-off is recorded in the name the body gives")
def forged_signoff(inst: Instance) -> Result:
    answer = inst.api(
        "POST",
        "/products/checkout-web/signoffs",
        inst.token(MEMBER),
        {"person": "kofi.mensah@acme.example.com", "comment": "forged"},
    )
    return is_refused(answer, 403, 422), seen(answer)


@case("H3", "one person named as both leads (API)")
def solo_api(inst: Instance) -> Result:
    lena = "lena.fischer@acme.example.com"
    answer = inst.api(
        "POST",
        "/products",
        inst.token("replay-admin@example.com"),
        {"slug": "solo4", "name": "S", "stage": "plan", "owners": {"build_lead": lena, "run_lead": lena}},
    )
    return is_refused(answer, 422), seen(answer)


@case("H3", "one person named as both leads (prodops apply)")
def solo_apply(inst: Instance) -> Result:
    lena = "lena.fischer@acme.example.com"
    doc = (
        f"apiVersion: prodops/v1\nkind: Product\nmetadata: {{slug: solo5, name: S}}\n"
        f"spec:\n  stage: plan\n  owners: {{build_lead: {lena}, run_lead: {lena}}}\n"
    )
    code, out = inst.cli("apply", "-f", "-", stdin=doc.encode())
    return code == 2 and "Traceback" not in out, f"exit {code}: {out.strip()[:160]}"


@case("H4", "a javascript: link in a document becomes live in the HTML handover pack")
def pack_xss(inst: Instance) -> Result:
    inst.api(
        "POST",
        "/products/checkout-web/documents",
        inst.token("replay-admin@example.com"),
        {
            "kind": "support_guide",
            "title": "Inline guide",
            "body": "[click me](javascript:alert(document.cookie))\n\n![i](javascript:alert(1))",
        },
    )
    code, out = inst.cli("report", "checkout-web", "--format", "html")
    live = re.findall(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", out, re.IGNORECASE)
    return code == 0 and not live, f"exit {code}, {len(live)} live javascript: URL(s)"


@case("L5", "pages are served without a Content-Security-Policy")
def csp(inst: Instance) -> Result:
    answer = inst.http("GET", "/accounts/login/")
    policy = answer.headers.get("Content-Security-Policy", "")
    return bool(policy) and "'unsafe-inline'" not in policy.split("script-src")[-1].split(";")[
        0
    ], f"Content-Security-Policy: {policy[:120] or '(none)'}"


@case("H5", '"deployed_at": Infinity posted to the API')
def infinity_api(inst: Instance) -> Result:
    raw = b'{"type":"deployment","product":"checkout-web","id":"inf","deployed_at":Infinity}'
    answer = inst.http(
        "POST", "/api/v1/events", token=inst.token("replay-admin@example.com"), raw=raw, timeout=15
    )
    return 400 <= answer.status < 500 and isinstance(answer.body, dict), seen(answer)


@case("H5", "an NDJSON line with Infinity given to prodops events import")
def infinity_cli(inst: Instance) -> Result:
    path = inst.tmp / "inf.ndjson"
    path.write_text('{"type":"deployment","product":"checkout-web","id":"inf","deployed_at":Infinity}\n')
    code, out = inst.cli("events", "import", str(path), timeout=20)
    return (
        code == 2 and "Traceback" not in out,
        "no exit in 20 s" if code is None else f"exit {code}: {out.strip()[:160]}",
    )


@case("M2", "a GitHub deployment_status without deployment.id")
def github_no_id(inst: Instance) -> Result:
    answer = github(
        inst,
        "deployment_status",
        {
            "deployment_status": {"state": "success", "updated_at": "2026-11-25T10:00:00Z"},
            "deployment": {"sha": "aaa111"},
            "repository": {"html_url": "https://github.com/acme/checkout-web"},
        },
    )
    return answer.status == 400, seen(answer)


def apply_text(inst: Instance, text: str, timeout: float = 30) -> Result:
    path = inst.tmp / f"case-{uuid.uuid4().hex}.yaml"
    path.write_text(text)
    started = time.monotonic()
    code, out = inst.cli("apply", "-f", str(path), timeout=timeout, memory_cap=3 << 30)
    took = time.monotonic() - started
    # Refused means exit 2 with no traceback; a hang or a memory blow-up is cut at `timeout`
    # (the time is printed: most of it is the CLI's start-up on a loaded machine).
    verdict = code == 2 and "Traceback" not in out
    tail = "no exit" if code is None else f"exit {code}"
    first = out.strip().splitlines()[-1][:140] if out.strip() else ""
    return verdict, f"{tail} after {took:.1f} s: {first}"


@case("M4", "a 342-byte YAML alias bomb given to prodops apply")
def alias_bomb(inst: Instance) -> Result:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{','.join([prev] * 9)}]")
    return apply_text(inst, "\n".join(lines) + "\n")


@case("M4", "5,000 nested [ in a description")
def deep_nesting(inst: Instance) -> Result:
    return apply_text(
        inst,
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: deep, name: D}\n"
        "spec:\n  description: " + "[" * 5000 + "]" * 5000 + "\n",
    )


@case("M4", "go_live: 2026-13-45")
def bad_date(inst: Instance) -> Result:
    return apply_text(
        inst,
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: baddate, name: B}\n"
        "spec:\n  stage: plan\n  owners: {build_lead: lena.fischer@acme.example.com,"
        " run_lead: kofi.mensah@acme.example.com}\n  go_live: 2026-13-45\n",
    )


@case("L4", "go_live: 0 (stored as 1970-01-01)")
def zero_date(inst: Instance) -> Result:
    return apply_text(
        inst,
        "apiVersion: prodops/v1\nkind: Product\nmetadata: {slug: zerodate, name: Z}\n"
        "spec:\n  stage: plan\n  owners: {build_lead: lena.fischer@acme.example.com,"
        " run_lead: kofi.mensah@acme.example.com}\n  go_live: 0\n",
    )


@case("L2", "an empty file given to prodops apply")
def empty_file(inst: Instance) -> Result:
    return apply_text(inst, "---\n")


@case("L1", "a CEL rule with an unknown function")
def bad_cel(inst: Instance) -> Result:
    return apply_text(
        inst,
        "apiVersion: prodops/v1\nkind: Standard\nmetadata: {slug: celbad, name: C}\n"
        "spec:\n  criteria:\n    - id: bad\n      title: Bad\n      gate: build\n"
        "      severity: blocking\n      rule: system('id') == 0\n      why: x\n",
    )


@case("M5", "a valid 4.5 MB bulk of events")
def big_bulk(inst: Instance) -> Result:
    raw = "\n".join(
        json.dumps(
            {
                "type": "deployment",
                "product": "checkout-web",
                "id": f"b{i}",
                "deployed_at": "2026-11-20T10:00:00Z",
                "version": "v" * 90,
            }
        )
        for i in range(20000)
    ).encode()
    answer = inst.http(
        "POST",
        "/api/v1/events/bulk",
        token=inst.token("replay-admin@example.com"),
        raw=raw,
        headers={"Content-Type": "application/x-ndjson"},
        timeout=120,
    )
    return 200 <= answer.status < 300, f"{answer.status} ({len(raw) / 1e6:.1f} MB)"


@case("M6", 'PATCH a team with {"kind": null}')
def null_kind(inst: Instance) -> Result:
    answer = inst.api("PATCH", "/teams/payments-dev", inst.token("replay-admin@example.com"), {"kind": None})
    return answer.status == 422, seen(answer)


@case("M6", "GET /products?offset=9223372036854775808")
def huge_offset(inst: Instance) -> Result:
    answer = inst.api("GET", "/products?offset=9223372036854775808", inst.token("replay-admin@example.com"))
    return 400 <= answer.status < 500 and isinstance(answer.body, dict), seen(answer)


@case("M6", '"deployed_at": NaN posted to the API')
def nan_api(inst: Instance) -> Result:
    raw = b'{"type":"deployment","product":"checkout-web","id":"nan","deployed_at":NaN}'
    answer = inst.http("POST", "/api/v1/events", token=inst.token("replay-admin@example.com"), raw=raw)
    return 400 <= answer.status < 500 and isinstance(answer.body, dict), seen(answer)


@case("M6", "a NUL byte in a product description")
def nul_byte(inst: Instance) -> Result:
    answer = inst.api(
        "PATCH",
        "/products/checkout-web",
        inst.token("replay-admin@example.com"),
        {"description": "a\u0000b"},
        headers={"If-Match": "*"},
    )
    return answer.status == 422 and "description" in json.dumps(answer.body), seen(answer)


@case("M6", "an API 404 answers JSON")
def json_404(inst: Instance) -> Result:
    answer = inst.api("GET", "/no-such-thing", inst.token("replay-admin@example.com"))
    return answer.status == 404 and isinstance(answer.body, dict), seen(answer)


@case("M7", "the SQLite database is readable by other local users")
def db_mode(inst: Instance) -> Result:
    if inst.postgres:
        return True, "not applicable on PostgreSQL"
    files = [
        p for p in (inst.tmp / "data").rglob("*") if p.suffix in {".db", ".sqlite3"} or p.name.endswith(".db")
    ]
    modes = {str(p.relative_to(inst.tmp)): oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    data_mode = stat.S_IMODE((inst.tmp / "data").stat().st_mode)
    ok = (
        bool(files)
        and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in files)
        and data_mode & 0o077 == 0
    )
    return ok, f"data dir {oct(data_mode)}, {modes}"


@case("L6", "a handback to plan approved by both leads")
def handback_to_plan(inst: Instance) -> Result:
    product = next((p for p in inst.products() if p.get("stage") == "build"), None)
    if product is None:
        return False, "no demo product in build"
    slug = product["slug"]
    build, run = owners(inst.product(slug))
    request = inst.api(
        "POST", f"/products/{slug}/transitions", inst.token(build), {"to_stage": "plan", "reason": "x"}
    )
    if request.status not in (200, 201):
        return False, f"request: {seen(request)}"
    tid = request.body["id"]
    inst.api("POST", f"/transitions/{tid}/approve", inst.token(build))
    answer = inst.api("POST", f"/transitions/{tid}/approve", inst.token(run))
    stage = inst.product(slug).get("stage")
    return stage == "plan", f"second approval {answer.status}, stage now {stage}"


@case("L8", "an anonymous write answers 401")
def anonymous_write(inst: Instance) -> Result:
    answer = inst.api("POST", "/products", None, {"slug": "anon", "name": "A"})
    return answer.status == 401, seen(answer)


@case("issue 10", "the Django admin edits a product's stage")
def admin_stage(inst: Instance) -> Result:
    opener = inst.admin_session()
    listing = opener.open(inst.base + "/admin/catalog/product/?q=payments-api").read().decode()
    link = re.search(r'href="(/admin/catalog/product/\d+/change/[^"]*)"', listing)
    if not link:
        return False, "no product change link in the admin"
    form = opener.open(inst.base + link.group(1)).read().decode()
    editable = re.search(r'<(select|input)[^>]*name="stage"', form) is not None
    return not editable, "stage is an editable field" if editable else "stage is read-only"


@case("issue 10", "the Django admin adds an audit entry (backdated, in anyone's name)")
def admin_audit_add(inst: Instance) -> Result:
    opener = inst.admin_session()
    index = opener.open(inst.base + "/admin/").read().decode()
    links = sorted(set(re.findall(r'href="(/admin/audit/[a-z]+/add/)"', index)))
    add_pages = re.findall(r'href="(/admin/audit/[a-z]+/)"', index)
    if not links and add_pages:
        try:
            opener.open(inst.base + add_pages[0] + "add/")
            return False, f"{add_pages[0]}add/ answers 200"
        except urllib.error.HTTPError as exc:
            return exc.code == 403, f"{add_pages[0]}add/ answers {exc.code}"
    return not links, f"add links: {links or 'none'}"


@case("L3", "a CSV of events with a UTF-8 byte-order mark (Excel's CSV UTF-8)")
def csv_bom(inst: Instance) -> Result:
    path = inst.tmp / "bom.csv"
    path.write_bytes(
        "\ufefftype,product,id,deployed_at\ndeployment,checkout-web,bom1,2026-11-20T10:00:00Z\n".encode()
    )
    code, out = inst.cli("events", "import", str(path), timeout=60)
    return code == 0, f"exit {code}: {out.strip().splitlines()[-1][:140] if out.strip() else ''}"


@case("M5", "a 70 MB bulk of events answers a JSON 413")
def too_big(inst: Instance) -> Result:
    # A raw socket: the server answers as soon as it reads the Content-Length and closes
    # the connection, so a client that insists on sending all 70 MB first sees only a
    # broken pipe. curl reads the answer while it sends; so does this.
    size = 70 * 1024 * 1024
    head = (
        f"POST /api/v1/events/bulk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {inst.token('replay-admin@example.com')}\r\n"
        f"Content-Type: application/x-ndjson\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", inst.port), timeout=60) as sock:
        sock.sendall(head.encode() + b"x" * 65536)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    status = int(status_line.split()[1]) if len(status_line.split()) > 1 else 0
    headers, _, payload = rest.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in headers.lower():
        chunks = b""
        while payload:
            length, _, payload = payload.partition(b"\r\n")
            size_of = int(length.split(b";")[0] or b"0", 16)
            if size_of == 0:
                break
            chunks, payload = chunks + payload[:size_of], payload[size_of + 2 :]
        payload = chunks
    body = payload.decode(errors="replace")
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        parsed = body
    answer = Answer(status, parsed, {})
    return status == 413 and isinstance(parsed, dict), seen(answer)


@case("L7", "a person's email with a control character")
def control_email(inst: Instance) -> Result:
    answer = inst.api(
        "POST", "/people", inst.token("replay-admin@example.com"), {"email": "\u001e@a.bc", "name": "C"}
    )
    return answer.status == 422, seen(answer)


@case("H3", "one lead approving twice executes nothing")
def approve_twice(inst: Instance) -> Result:
    admin = inst.token("replay-admin@example.com")
    build, run = "lena.fischer@acme.example.com", "kofi.mensah@acme.example.com"
    inst.api(
        "POST",
        "/products",
        admin,
        {"slug": "twice", "name": "T", "stage": "pilot", "owners": {"build_lead": build, "run_lead": run}},
    )
    req = inst.api(
        "POST", "/products/twice/transitions", inst.token(build), {"to_stage": "build", "reason": "x"}
    )
    if req.status not in (200, 201):
        return False, f"request: {seen(req)}"
    first = inst.api("POST", f"/transitions/{req.body['id']}/approve", inst.token(build))
    second = inst.api("POST", f"/transitions/{req.body['id']}/approve", inst.token(build))
    stage = inst.product("twice").get("stage")
    return (
        stage == "pilot" and second.status < 500,
        f"approvals {first.status}, {second.status}; stage {stage}",
    )


def throttle(inst: Instance) -> Result:
    def attempt(username: str, password: str) -> int:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        page = opener.open(inst.base + "/accounts/login/").read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": csrf.group(1) if csrf else ""}
        ).encode()
        req = urllib.request.Request(
            inst.base + "/accounts/login/", data=form, headers={"Referer": inst.base + "/"}
        )
        try:
            return opener.open(req).status
        except urllib.error.HTTPError as exc:
            return exc.code

    for _ in range(6):
        attempt("replay-admin", "wrong")
    status = attempt("\uff52eplay-admin", ADMIN_PASSWORD)  # a fullwidth r
    return status != 302, f"the right password under a fullwidth spelling after 6 failures: {status}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def race_patch(inst: Instance, rounds: int = 30) -> Result:
    token = inst.token("replay-admin@example.com")
    both_ok = errors = 0
    slug = "payments-api"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for i in range(rounds):
            version = inst.product(slug).get("version")
            futures = [
                pool.submit(
                    inst.api,
                    "PATCH",
                    f"/products/{slug}",
                    token,
                    {"description": f"r{i}-{w}"},
                    headers={"If-Match": f'"{version}"'},
                )
                for w in range(2)
            ]
            statuses = sorted(f.result().status for f in futures)
            both_ok += statuses == [200, 200]
            errors += any(s >= 500 for s in statuses)
    return both_ok == 0 and errors == 0, f"both 200 in {both_ok}/{rounds}, 5xx in {errors}/{rounds}"


def race_approve(inst: Instance, rounds: int = 30) -> Result:
    admin = inst.token("replay-admin@example.com")
    build, run = "lena.fischer@acme.example.com", "kofi.mensah@acme.example.com"
    stuck = errors = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for i in range(rounds):
            slug = f"race-{i}"
            created = inst.api(
                "POST",
                "/products",
                admin,
                {
                    "slug": slug,
                    "name": slug,
                    "stage": "pilot",
                    "owners": {"build_lead": build, "run_lead": run},
                },
            )
            if created.status not in (200, 201):
                return False, f"create: {seen(created)}"
            req = inst.api(
                "POST",
                f"/products/{slug}/transitions",
                inst.token(build),
                {"to_stage": "build", "reason": "race"},
            )
            tid = req.body["id"]
            futures = [
                pool.submit(inst.api, "POST", f"/transitions/{tid}/approve", inst.token(who))
                for who in (build, run)
            ]
            errors += any(f.result().status >= 500 for f in futures)
            stuck += inst.product(slug).get("stage") != "build"
    return stuck == 0 and errors == 0, f"not executed in {stuck}/{rounds}, 5xx in {errors}/{rounds}"


def race_triple(inst: Instance, rounds: int = 30) -> Result:
    admin = inst.token("replay-admin@example.com")
    build, run = "lena.fischer@acme.example.com", "kofi.mensah@acme.example.com"
    errors = 0
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        for i in range(rounds):
            slug = f"triple-{i}"
            inst.api(
                "POST",
                "/products",
                admin,
                {
                    "slug": slug,
                    "name": slug,
                    "stage": "pilot",
                    "owners": {"build_lead": build, "run_lead": run},
                },
            )
            tid = inst.api(
                "POST",
                f"/products/{slug}/transitions",
                inst.token(build),
                {"to_stage": "build", "reason": "race"},
            ).body["id"]
            futures = [
                pool.submit(inst.api, "POST", f"/transitions/{tid}/approve", inst.token(build))
                for _ in range(3)
            ]
            errors += any(f.result().status >= 500 for f in futures)
    return errors == 0, f"5xx in {errors}/{rounds}"


def strand(inst: Instance) -> Result:
    return apply_text(
        inst,
        "apiVersion: prodops/v1\nkind: Standard\nmetadata: {slug: default, name: Default}\n"
        "spec:\n  stages: [plan, build]\n  criteria:\n    - id: x\n      title: X\n"
        "      gate: build\n      severity: blocking\n      rule: 'true'\n      why: x\n",
    )


def compare(paths: list[Path]) -> int:
    """A Markdown table of several replays' JSON results, one column per replay."""
    runs = [json.loads(p.read_text()) for p in paths]
    names = [f"{r['commit']} {'PostgreSQL' if r['postgres'] else 'SQLite'}" for r in runs]
    print("| ref | case | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(runs))
    seen_cases: list[tuple[str, str]] = []
    for run in runs:
        for r in run["results"]:
            if (r["ref"], r["case"]) not in seen_cases:
                seen_cases.append((r["ref"], r["case"]))
    for ref, title in seen_cases:
        cells = []
        for run in runs:
            hit = next((r for r in run["results"] if (r["ref"], r["case"]) == (ref, title)), None)
            cells.append("not run" if hit is None else ("fixed" if hit["fixed"] else "**bug**"))
        print(f"| {ref} | {title} | " + " | ".join(cells) + " |")
    totals = [f"{sum(r['fixed'] for r in run['results'])}/{len(run['results'])}" for run in runs]
    print("| | **behave as issue 10 asks** | " + " | ".join(totals) + " |")
    return 0


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--compare":
        return compare([Path(p) for p in sys.argv[2:]])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (runs the races of H1 too)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()
    inst = Instance(args.checkout.resolve(), args.database_url)
    commit = subprocess.run(
        ["git", "-C", str(inst.checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        check=False,
        text=True,
    ).stdout.strip()
    cases = list(CASES)
    if inst.postgres:
        cases += [
            ("H1", "30 races of two PATCHes with the same version", race_patch),
            ("H1", "30 races of both leads approving at once", race_approve),
            ("H1", "30 races of one lead approving three times at once", race_triple),
        ]
    # Last: they lock the admin out, and on code that accepts it, strand the products.
    cases.append(("M1", "login throttling keyed on a Unicode compatibility spelling", throttle))
    cases.append(("M3", "a Standard that drops the stages products are in", strand))
    results = []
    try:
        inst.start()
        print(f"audit replay of {commit} on {'PostgreSQL' if inst.postgres else 'SQLite'}, {inst.base}")
        for ref, title, fn in cases:
            try:
                ok, observed = fn(inst)
            except Exception as exc:
                ok, observed = False, f"case crashed: {type(exc).__name__}: {exc}"[:200]
            results.append({"ref": ref, "case": title, "fixed": ok, "observed": observed})
            print(f"{'fixed' if ok else 'BUG  '}  {ref:8} {title}: {observed}", flush=True)
    finally:
        inst.stop()
    fixed = sum(r["fixed"] for r in results)
    print(f"{fixed} of {len(results)} cases behave as issue 10 asks")
    if args.json:
        args.json.write_text(
            json.dumps({"commit": commit, "postgres": inst.postgres, "results": results}, indent=2)
        )
    return 0 if fixed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
