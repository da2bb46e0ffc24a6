"""Fixtures for playbooks: personas (alice builds, bob runs, carol joins the run team,
paula is product operations, mallory is a member with no part) and the warranty-exit
playbook of issue 15, applied from YAML."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prodops.core.actors import Actor

WARRANTY_EXIT = """\
apiVersion: prodops/v1
kind: Playbook
metadata: {slug: warranty-exit, name: Warranty exit}
spec:
  trigger: {on: transition.executed, to: warranty}
  steps:
    - {id: walkthrough, title: Walk support through the runbook, assignee: run_lead, due: 3d, required: true}
    - {id: faq, title: An FAQ exists, kind: wait_for, until: "docs.faq.count > 0", required: true}
    - {id: approve, title: Run lead approves the exit, kind: approval, assignee: run_lead}
    - {id: cake, title: Bring cake, required: false, when: "product.tier <= 2"}
  done_when: "run.required_open == 0 && custom.exit_ok == true"
"""


def user(email: str, *, role: str | None = None, superuser: bool = False) -> Actor:
    from django.contrib.auth import get_user_model

    from prodops.accounts.models import UserRole

    u, _ = get_user_model().objects.get_or_create(
        username=email, defaults={"email": email, "is_superuser": superuser}
    )
    if role:
        UserRole.objects.update_or_create(user=u, defaults={"role": role})
    return Actor.for_user(u, "api")


@pytest.fixture
def people(db: Any) -> dict[str, Actor]:
    return {
        "alice": user("alice@example.com"),
        "bob": user("bob@example.com"),
        "carol": user("carol@example.com"),
        "mallory": user("mallory@example.com"),
        "paula": user("paula@example.com", role="product_ops"),
    }


@pytest.fixture
def playbook_file(tmp_path: Path) -> Path:
    path = tmp_path / "warranty-exit.yaml"
    path.write_text(WARRANTY_EXIT)
    return path


@pytest.fixture
def applied(prodops: Callable[..., Any], playbook_file: Path, db: Any) -> Any:
    code, _, err = prodops("apply", "-f", str(playbook_file))
    assert code == 0, err
    from prodops.playbooks.models import Playbook

    return Playbook.objects.get(slug="warranty-exit")


@pytest.fixture
def pay(make_product: Callable[..., Any]) -> Any:
    return make_product("pay", tier=1, stage="warranty")
