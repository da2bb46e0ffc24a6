from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PORTFOLIO = """\
apiVersion: prodops/v1
kind: Person
metadata: {email: Alice@Example.com, name: Alice Archer}
---
apiVersion: prodops/v1
kind: Person
metadata: {email: bob@example.com, name: Bob Baker}
---
apiVersion: prodops/v1
kind: Person
metadata: {email: carol@example.com}
---
apiVersion: prodops/v1
kind: Team
metadata: {slug: payments-dev, name: Payments development}
spec: {kind: build, capacity_hours_per_week: 160, members: [alice@example.com]}
---
apiVersion: prodops/v1
kind: Team
metadata: {slug: payments-support, name: Payments support}
spec: {kind: run, capacity_hours_per_week: 82.5, members: [carol@example.com, bob@example.com]}
---
apiVersion: prodops/v1
kind: Product
metadata: {slug: payments-api, name: Payments API}
spec:
  description: Takes card payments for the web shop.
  tier: 1
  stage: warranty
  tags: [payments, pci]
  links: {repo: "https://github.com/acme/payments-api", dashboard: "https://grafana.example.com/d/pay"}
  owners: {build_lead: alice@example.com, run_lead: bob@example.com}
  teams: {build: payments-dev, run: payments-support}
  stakeholders:
    - {function: customer service, person: carol@example.com}
  slos:
    - {name: availability, objective: 99.95, window: 30d}
    - {name: latency-p99, objective: 99, window: 7d, description: p99 under 300 ms}
  oncall: {rotation: payments-primary, schedule_url: "https://acme.pagerduty.com/schedules/PAY"}
  warranty: {threshold: {defects: 1, per: 14d}, min_days: 30, max_days: 120, severities: [critical]}
  go_live: 2026-10-01
  integrations: {pagerduty_service: P1234}
  facts: {test_coverage: 0.83, pci_scope: true}
---
apiVersion: prodops/v1
kind: Product
metadata: {slug: ledger, name: Ledger}
spec:
  owners: {build_lead: bob@example.com, run_lead: alice@example.com}
"""


@pytest.fixture
def portfolio_file(tmp_path: Path) -> Path:
    path = tmp_path / "portfolio.yaml"
    path.write_text(PORTFOLIO)
    return path


def catalog_counts() -> dict[str, Any]:
    from prodops.audit.models import AuditEntry
    from prodops.catalog.models import SLO, Person, Product, Stakeholder, Team

    return {
        model.__name__: model.objects.count()
        for model in (Person, Team, Product, Stakeholder, SLO, AuditEntry)
    } | {"versions": sorted(Product.objects.values_list("slug", "version"))}
