"""The demo's console shows its notifications; channels are config as code and
`export` writes the secret's reference, never its value."""

from __future__ import annotations

import random

from django.utils import timezone

from prodops.notifications.models import Channel

CHANNEL_YAML = """\
apiVersion: prodops/v1
kind: Channel
metadata: {slug: ops-hook, name: Ops webhook}
spec:
  type: webhook
  url: https://hooks.example.com/prodops
  secret: {env: PRODOPS_OPS_HOOK_SECRET}
  events: [transition.requested, waiver.expiring]
  products: {tags: [payments]}
"""


def test_the_demo_console_shows_its_notifications(make_product, actor, settings, worker_once):
    from prodops.lifecycle import demo as lifecycle_demo
    from prodops.readiness import demo as readiness_demo

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # what the demo uses
    for i, stage in enumerate(["build", "pilot", "warranty", "operate"]):
        make_product(f"p{i}", stage=stage, tier=1 + i % 3)
    today = timezone.localdate()
    readiness_demo.seed(actor=actor, today=today, rng=random.Random(1))
    lifecycle_demo.seed(actor=actor, today=today, rng=random.Random(1))
    out = worker_once()
    assert "Subject: [ProdOps] Transition requested" in out
    assert "Subject: [ProdOps] Waiver" in out


def test_channel_applies_and_exports_the_secret_reference_only(db, prodops, tmp_path, monkeypatch):
    monkeypatch.setenv("PRODOPS_OPS_HOOK_SECRET", "very-secret-value-123")
    path = tmp_path / "channel.yaml"
    path.write_text(CHANNEL_YAML)
    code, out, err = prodops("apply", "-f", str(path))
    assert code == 0, err
    channel = Channel.objects.get(slug="ops-hook")
    assert channel.secret == {"env": "PRODOPS_OPS_HOOK_SECRET"}
    assert channel.products == {"tags": ["payments"]}
    code, out, err = prodops("export")
    assert code == 0, err
    assert "very-secret-value-123" not in out + err
    assert "kind: Channel" in out and "env: PRODOPS_OPS_HOOK_SECRET" in out
    code, out, _ = prodops("export", "--format", "json")
    assert "very-secret-value-123" not in out and "PRODOPS_OPS_HOOK_SECRET" in out
    # Applying the export again changes nothing.
    again = tmp_path / "again.yaml"
    code, exported, _ = prodops("export")
    again.write_text(exported)
    code, out, err = prodops("apply", "-f", str(again))
    assert code == 0, err
    assert "channel/ops-hook unchanged" in out and "0 created, 0 updated" in out, out


def test_a_bad_channel_is_refused_with_its_field(db, prodops, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(CHANNEL_YAML.replace("waiver.expiring", "waiver.expring").replace("https://", "ftp://"))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert "bad.yaml" in err and ("spec.url" in err or "spec.events" in err)
    assert not Channel.objects.exists()
    path.write_text(CHANNEL_YAML.replace("{env: PRODOPS_OPS_HOOK_SECRET}", "s3cret-inline"))
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2 and "spec.secret" in err
