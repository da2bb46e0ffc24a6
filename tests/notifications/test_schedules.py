"""Periodic jobs: once per period, shown by `prodops jobs`; waivers warned and
re-evaluated at their expiry by the worker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from prodops.core.models import PeriodicJobRun
from prodops.core.tasks import jobs, period_start, run_due_jobs
from prodops.readiness import services as readiness
from prodops.readiness.models import ProductEvaluation, Waiver


def signed_waiver(product, people, *, expires_in: timedelta) -> Waiver:
    waiver = readiness.create_waiver(
        actor=people["alice"],
        product=product,
        criterion_id="coverage",
        reason="coverage tool migrating",
        expires_at=timezone.now() + expires_in,
    )
    return readiness.sign_waiver(actor=people["bob"], waiver=waiver)


def expiring_mail(smtp, address):
    return [m for m in smtp.to(address) if "Waiver expiring" in m["Subject"]]


def test_a_waiver_expiring_in_7_days_notifies_both_leads_once(acme_product, people, smtp, worker_once):
    signed_waiver(acme_product, people, expires_in=timedelta(days=6, hours=20))
    worker_once()
    worker_once()  # the hourly job already ran this period: nothing again
    assert readiness.warn_expiring_waivers() == 0  # and run by hand, still nothing new
    worker_once()
    for lead in ("alice@example.com", "bob@example.com"):
        (mail,) = expiring_mail(smtp, lead)
        body = mail.get_payload(decode=True).decode()
        assert "The waiver of coverage on Pay expires in 7 day(s)" in body


def test_the_1_day_warning_is_another_notification(acme_product, people, smtp, worker_once):
    waiver = signed_waiver(acme_product, people, expires_in=timedelta(days=6, hours=20))
    readiness.warn_expiring_waivers()
    Waiver.objects.filter(pk=waiver.pk).update(expires_at=timezone.now() + timedelta(hours=20))
    readiness.warn_expiring_waivers()
    worker_once()
    bodies = [m.get_payload(decode=True).decode() for m in expiring_mail(smtp, "alice@example.com")]
    assert len(bodies) == 2 and any("expires in 1 day(s)" in b for b in bodies)


def test_an_expired_waiver_is_reevaluated_by_the_next_worker_run(acme_product, people, smtp, worker_once):
    waiver = signed_waiver(acme_product, people, expires_in=timedelta(days=3))
    worker_once()
    stored = ProductEvaluation.objects.get(product=acme_product)
    assert stored.results["coverage"]["status"] == "waived"
    # Time passes: the waiver ends half a minute ago.
    Waiver.objects.filter(pk=waiver.pk).update(expires_at=timezone.now() - timedelta(seconds=30))
    PeriodicJobRun.objects.filter(name="readiness.expiries").delete()  # as if a minute passed
    worker_once()
    stored.refresh_from_db()
    assert stored.results["coverage"]["status"] != "waived"
    assert any("Waiver expired" in m["Subject"] for m in smtp.to("bob@example.com"))


def test_a_periodic_job_runs_once_per_period(db):
    # Half a minute into a minute, half an hour into a day: +1 s stays in every period.
    now = period_start(timezone.now(), timedelta(days=1)) + timedelta(minutes=30, seconds=30)
    first = {o.name for o in run_due_jobs(now=now, worker_id="a")}
    assert first == set(jobs())
    assert run_due_jobs(now=now + timedelta(seconds=1), worker_id="b") == []
    assert PeriodicJobRun.objects.filter(name="readiness.nightly").count() == 1
    later = {o.name for o in run_due_jobs(now=now + timedelta(minutes=1), worker_id="b")}
    assert "readiness.expiries" in later and "readiness.nightly" not in later
    run = PeriodicJobRun.objects.get(
        name="readiness.expiries", period_start=now.replace(second=0) + timedelta(minutes=1)
    )
    assert run.worker_id == "b" and run.finished_at is not None and run.error == ""


def test_jobs_lists_every_periodic_job_with_last_and_next_run(db, prodops, worker_once):
    code, out, _ = prodops("jobs")
    assert code == 0
    for name in jobs():
        assert name in out
    assert "never" in out
    worker_once()
    code, out, _ = prodops("jobs")
    line = next(x for x in out.splitlines() if x.startswith("readiness.nightly"))
    assert "never" not in line and line.rstrip().endswith("-")
