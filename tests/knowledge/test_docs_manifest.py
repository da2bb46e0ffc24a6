"""The ``docs`` section through ``prodops apply`` / ``prodops export``: created,
unchanged on re-apply, round-tripped, and a document without a title refused with
exit 2, naming the file, line and field, with nothing saved."""

from __future__ import annotations

import pytest

from prodops.knowledge.models import Document

pytestmark = pytest.mark.django_db

BASE = """\
apiVersion: prodops/v1
kind: Person
metadata: {email: alice@example.com}
---
apiVersion: prodops/v1
kind: Person
metadata: {email: bob@example.com}
---
apiVersion: prodops/v1
kind: Product
metadata: {slug: payments-api, name: Payments API}
spec:
  owners: {build_lead: alice@example.com, run_lead: bob@example.com}
  docs:
"""
GOOD = BASE + (
    '    - {kind: runbook, title: Payments runbook, url: "https://wiki.example.com/pay/runbook",\n'
    "       reviewed: 2026-10-01}\n"
    "    - {kind: faq, title: FAQ, body: '# Questions', owner: bob@example.com}\n"
)


def test_apply_export_round_trip(prodops, tmp_path):
    path = tmp_path / "prodops.yaml"
    path.write_text(GOOD)
    code, out, err = prodops("apply", "-f", str(path))
    assert code == 0, err
    assert sorted(Document.objects.values_list("title", flat=True)) == ["FAQ", "Payments runbook"]
    assert str(Document.objects.get(kind="runbook").reviewed) == "2026-10-01"
    code, out, _ = prodops("apply", "-f", str(path))
    assert code == 0
    assert "unchanged" in out
    code, exported, _ = prodops("export")
    assert code == 0
    assert "Payments runbook" in exported
    again = tmp_path / "exported.yaml"
    again.write_text(exported)
    code, out, _ = prodops("apply", "-f", str(again))
    assert code == 0
    assert "unchanged" in out
    assert Document.objects.count() == 2


def test_document_without_title_exits_2_and_saves_nothing(prodops, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + '    - {kind: runbook, title: "", url: "https://wiki.example.com/r"}\n')
    code, _, err = prodops("apply", "-f", str(path))
    assert code == 2
    assert f"{path}:" in err
    assert "spec.docs.0.title" in err
    assert not Document.objects.exists()
