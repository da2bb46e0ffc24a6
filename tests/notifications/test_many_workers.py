"""Three worker processes against one PostgreSQL: every task runs once, every
notification is delivered once to each recipient and channel."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from prodops.core.actors import Actor
from prodops.notifications import services
from prodops.notifications.models import Delivery, Notification
from prodops.readiness.services import request_reevaluation

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="many workers need PostgreSQL (SKIP LOCKED)"
)

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = s.get("HOST") or "localhost"
    if host.startswith("/"):  # a Unix socket directory
        return f"postgres://{auth}@/{s['NAME']}?host={quote(host)}&port={s.get('PORT') or 5432}"
    return f"postgres://{auth}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


def unfinished(outputs: list[tuple[str, str]]) -> str:
    """What to look at when the queue did not end as expected: the tasks not run
    successfully, the deliveries not delivered, the periodic jobs run, each worker's
    output."""
    from django_tasks_db.models import DBTaskResult

    from prodops.core.models import PeriodicJobRun

    lines = [
        f"task {row}"
        for row in DBTaskResult.objects.exclude(status="SUCCESSFUL").values_list(
            "task_path", "status", "run_after", "args_kwargs", "worker_ids"
        )
    ]
    lines += [
        f"delivery {row}"
        for row in Delivery.objects.exclude(status="delivered").values_list(
            "pk", "medium", "status", "attempts", "last_error", "notification__event"
        )
    ]
    lines += [f"job {row}" for row in PeriodicJobRun.objects.values_list("name", "worker_id", "error")]
    lines += [f"worker w{n}: {out}{err}" for n, (out, err) in enumerate(outputs)]
    return "\n".join(lines)


@pytest.mark.django_db(transaction=True)
def test_three_workers_run_each_task_once_and_deliver_each_notification_once(
    make_product, hooks, smtp, tmp_path
):
    from django_tasks_db.models import DBTaskResult

    services.save_channel(
        actor=Actor.cli(),
        data=services.ChannelData(
            slug="ops",
            name="Ops",
            type="slack",
            url=hooks.url + "/ops",
            secret={},
            events=["criterion.regressed", "waiver.expiring"],
            products={},
        ),
    )
    products = [make_product(f"p{i:02d}") for i in range(30)]
    for i, product in enumerate(products):
        services.notify(
            event="waiver.expiring" if i % 2 else "criterion.regressed",
            product=product,
            actor=Actor.task("test"),
            subject={"criterion": "coverage", "days": 7, "gate": "build"},
        )
    request_reevaluation(product_ids=[p.pk for p in products])
    queued = DBTaskResult.objects.count()
    assert queued == 30 * 3 + 30  # an email per lead and a channel post per notification; 30 evaluations

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PRODOPS_DATA_DIR": str(tmp_path),
        "PRODOPS_EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "PRODOPS_WEBHOOK_ALLOW_PRIVATE": "1",  # the local HTTP server is on loopback
        "PYTHONPATH": str(ROOT / "src"),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "prodops", "worker", "--once", "--worker-id", f"w{n}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    if codes != [0, 0, 0]:
        for n, (code, (out, err)) in enumerate(zip(codes, outputs, strict=True)):
            print(f"--- worker w{n} exited {code}\n--- stdout:\n{out}\n--- stderr:\n{err}")
    assert codes == [0, 0, 0], "a worker failed: its output is printed above"

    results = list(DBTaskResult.objects.values_list("status", "worker_ids"))
    assert len(results) == queued, unfinished(outputs)
    assert all(status == "SUCCESSFUL" for status, _ in results), unfinished(outputs)
    assert all(len(ids) == 1 for _, ids in results)  # claimed once, by one worker
    assert len({ids[0] for _, ids in results}) >= 2  # the work was shared

    posted = Counter(r.headers["Idempotency-Key"] for r in hooks.at("/ops"))
    assert set(posted) == {str(pk) for pk in Notification.objects.values_list("pk", flat=True)}
    assert set(posted.values()) == {1}
    mailed = Counter((tuple(rcpt), m["X-ProdOps-Notification"]) for rcpt, m in smtp.messages)
    assert len(mailed) == 60 and set(mailed.values()) == {1}
    assert not Delivery.objects.exclude(status__in=["delivered"]).exclude(medium="inapp").exists()
