"""Web and deployment hardening (security audit 2026-11-29: L5, M7, O1; issue 10 item 9):
a Content-Security-Policy with no inline script or style, `check --deploy` clean with the
documented production environment, a private data directory, one gunicorn control
socket per instance."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import prodops

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(Path(prodops.__file__).parent.glob("*/templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)
# Documents of their own (also saved or printed): styled by one <style>, allowed by hash.
STANDALONE = {"knowledge/handover.html", "campaigns/report.html"}


@pytest.mark.parametrize("path", TEMPLATES, ids=[f"{p.parent.name}/{p.name}" for p in TEMPLATES])
def test_templates_have_no_inline_script_or_style(path):
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static file"
    assert not INLINE_HANDLER.search(text), "inline event handler: use addEventListener in a static file"
    if not any(str(path).endswith(name) for name in STANDALONE):
        assert not STYLE_ATTR.search(text), "style attribute: use a class in prodops.css"
        assert "<style" not in text, "<style> element: move it to prodops.css"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password-reset/"])
def test_pages_carry_a_policy_without_inline_script(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


@pytest.mark.django_db
def test_the_html_pack_allows_only_its_own_stylesheet(client, make_product, django_user_model):
    make_product("checkout-web")
    client.force_login(django_user_model.objects.create_user("dave", "dave@example.com", "pw-123456789"))
    response = client.get("/products/checkout-web/handover.html")
    policy = response["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "script-src" not in policy  # default-src 'none': no script at all


# The production environment documented in docs/settings.md ("Production").
PRODUCTION = {
    "PRODOPS_DEBUG": "false",
    "PRODOPS_SECRET_KEY": "k" * 20 + "-Zq8vR2mW9xT4pL7nB3cY6hJ1dF5gS0aE8uI2oK4wN7tM9rV3",
    "PRODOPS_ALLOWED_HOSTS": "prodops.example.com",
    "PRODOPS_CSRF_TRUSTED_ORIGINS": "https://prodops.example.com",
    "PRODOPS_SECURE_COOKIES": "true",
    "PRODOPS_SSL_REDIRECT": "true",
    "PRODOPS_HSTS_SECONDS": "31536000",
    "PRODOPS_HSTS_INCLUDE_SUBDOMAINS": "true",
    "PRODOPS_HSTS_PRELOAD": "true",
    "PRODOPS_BEHIND_HTTPS_PROXY": "true",
}


def _manage(*args: str, env: dict[str, str], umask: int | None = None) -> subprocess.CompletedProcess[str]:
    # Not the test process's own settings, nor DJANGO_ALLOW_ASYNC_UNSAFE, which the browser
    # tests set in the same xdist worker (check --deploy refuses it, async.E001).
    skip = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full = {k: v for k, v in os.environ.items() if not k.startswith("PRODOPS_") and k not in skip}
    full.update(env)

    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=set_umask,
    )


def test_the_documented_production_environment_passes_check_deploy(tmp_path):
    docs = (ROOT / "docs" / "settings.md").read_text()
    for name, value in PRODUCTION.items():
        if name != "PRODOPS_SECRET_KEY":
            assert f"{name}={value}" in docs, f"docs/settings.md does not show {name}={value}"
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION, "PRODOPS_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_settings_check_deploy_warns(tmp_path):
    """The test above can fail: without the HTTPS settings Django warns (W004, W008)."""
    env = {k: v for k, v in PRODUCTION.items() if "HSTS" not in k and "SSL" not in k}
    result = _manage("check", "--deploy", env={**env, "PRODOPS_DATA_DIR": str(tmp_path)})
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout


def test_the_data_directory_and_database_are_private(tmp_path):
    """Audit M7: the directory was 0755 and the database 0644 under umask 022."""
    data = tmp_path / "fresh" / "prodops"
    result = _manage("migrate", "--run-syncdb", "-v", "0", env={"PRODOPS_DATA_DIR": str(data)}, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("prodops.sqlite3", "secret_key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    for extra in data.glob("prodops.sqlite3-*"):  # WAL and shared memory, when present
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra.name


def test_an_existing_open_data_directory_is_tightened(tmp_path):
    data = tmp_path / "open"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    result = _manage("check", env={"PRODOPS_DATA_DIR": str(data)})
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700


def test_each_served_instance_has_its_own_control_socket(settings, tmp_path):
    """Audit O1: every `prodops serve` used gunicorn's one ~/.gunicorn/gunicorn.ctl."""
    from prodops.web.management.commands.serve import control_socket

    settings.DATA_DIR = tmp_path
    first, second = control_socket("127.0.0.1", 8000), control_socket("127.0.0.1", 8011)
    assert first and second
    assert first != second
    assert Path(first).parent == tmp_path
    settings.DATA_DIR = tmp_path / ("x" * 120)
    assert control_socket("127.0.0.1", 8000) is None  # too long for a Unix socket: none
