"""Each webhook with payloads shaped like the senders' documented examples (GitHub:
octokit/webhooks payload-examples; GitLab: "Webhook events" docs; PagerDuty: v3 webhook
docs; Opsgenie: webhook integration alert action data)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from prodops.audit.models import AuditEntry
from prodops.events.models import Change, Defect, Deployment, Incident, Page, WebhookDelivery

CASES = [
    # source, payload file, event header, delivery id, model, rows
    ("github", "github_push.json", "push", "d-push-1", Change, 2),
    ("github", "github_deployment_status.json", "deployment_status", "d-ds-1", Deployment, 1),
    ("github", "github_issues_labeled.json", "issues", "d-issue-1", Incident, 1),
    ("github", "github_pull_request_closed.json", "pull_request", "d-pr-1", Change, 1),
    ("gitlab", "gitlab_push.json", "", "gl-1", Change, 2),
    ("gitlab", "gitlab_deployment.json", "", "gl-2", Deployment, 1),
    ("gitlab", "gitlab_pipeline.json", "", "gl-3", Deployment, 1),
    ("gitlab", "gitlab_issue.json", "", "gl-4", Defect, 1),
    ("pagerduty", "pagerduty_incident_triggered.json", "", "", Incident, 1),
    ("opsgenie", "opsgenie_alert_create.json", "", "", Page, 1),
]


@pytest.fixture
def products(make_product):
    return {
        "github": make_product(
            "hello-world", links={"repo": "https://github.com/Codertocat/Hello-World.git"}
        ),
        "gitlab": make_product("diaspora", links={"repo": "http://example.com/mike/diaspora"}),
        "ops": make_product(
            "api-service", integrations={"pagerduty_service": "PF9KMXH", "opsgenie_team": "payments-oncall"}
        ),
    }


def _product_for(source, products):
    return products["github" if source == "github" else "gitlab" if source == "gitlab" else "ops"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_good_signature_stores_mapped_events_once(post_webhook, products, case):
    source, name, event, delivery, model, rows = case
    first = post_webhook(source, name, event=event, delivery=delivery)
    assert first.status_code == 202, first.content
    assert first.json()["duplicate"] is False
    stored = model.objects.all()
    assert stored.count() == rows
    assert {obj.product_id for obj in stored} == {_product_for(source, products).id}
    assert AuditEntry.objects.filter(action=f"events.webhook.{source}").count() == 1

    again = post_webhook(source, name, event=event, delivery=delivery)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert model.objects.count() == rows
    assert WebhookDelivery.objects.filter(source=source).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c[1] for c in CASES])
def test_bad_signature_is_401_and_stores_nothing(post_webhook, products, case):
    source, name, event, delivery, model, _rows = case
    response = post_webhook(source, name, event=event, delivery=delivery, good=False)
    assert response.status_code == 401
    assert "signature" in response.json()["detail"]
    assert model.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_missing_secret_refuses_every_delivery(client, settings):
    settings.PRODOPS_GITHUB_WEBHOOK_SECRET = ""
    response = client.post("/api/v1/webhooks/github", data=b"{}", content_type="application/json")
    assert response.status_code == 401
    assert "PRODOPS_GITHUB_WEBHOOK_SECRET" in response.json()["detail"]


@pytest.mark.django_db
def test_unknown_source_is_404(client, webhook_secrets):
    assert (
        client.post("/api/v1/webhooks/jira", data=b"{}", content_type="application/json").status_code == 404
    )


@pytest.mark.django_db
def test_github_fields(post_webhook, products):
    post_webhook("github", "github_push.json", event="push", delivery="a")
    post_webhook("github", "github_deployment_status.json", event="deployment_status", delivery="b")
    post_webhook("github", "github_issues_labeled.json", event="issues", delivery="c")
    first = Change.objects.get(sha="6113728f27ae82c7b1a177c8d03f9e96e0adf246")
    assert first.committed_at == datetime(2019, 5, 15, 22, 10, 11, tzinfo=UTC)  # -07:00 read as such
    assert first.push_sha == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    deployment = Deployment.objects.get()
    assert (deployment.environment, deployment.status, deployment.sha) == (
        "production",
        "success",
        "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
    )
    assert deployment.deployed_at == datetime(2019, 5, 15, 15, 20, 55, tzinfo=UTC)
    incident = Incident.objects.get()
    assert incident.severity == 2
    assert incident.root_cause_sha == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    assert incident.resolved_at == datetime(2019, 5, 15, 18, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_gitlab_fields(post_webhook, products):
    post_webhook("gitlab", "gitlab_deployment.json", delivery="1")
    post_webhook("gitlab", "gitlab_pipeline.json", delivery="2")
    post_webhook("gitlab", "gitlab_issue.json", delivery="3")
    deployment = Deployment.objects.get(environment="production")
    assert deployment.sha == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"  # from commit_url
    assert deployment.deployed_at == datetime(2021, 4, 28, 19, 50, tzinfo=UTC)  # "+0200"
    pipeline = Deployment.objects.get(environment="pipeline")
    assert pipeline.deployed_at == datetime(2016, 8, 12, 15, 26, 29, tzinfo=UTC)  # "UTC" suffix
    defect = Defect.objects.get()
    assert (defect.severity, defect.fixed_at) == ("high", datetime(2013, 12, 3, 19, 15, 43, tzinfo=UTC))


@pytest.mark.django_db
def test_pagerduty_resolve_updates_the_incident(post_webhook, products):
    post_webhook("pagerduty", "pagerduty_incident_triggered.json")
    post_webhook("pagerduty", "pagerduty_incident_resolved.json")
    incident = Incident.objects.get()
    assert incident.severity == 1  # priority P1
    assert incident.opened_at == datetime(2020, 4, 9, 15, 16, 27, tzinfo=UTC)
    assert incident.resolved_at == datetime(2020, 4, 9, 16, 46, 27, tzinfo=UTC)
    assert Page.objects.get().resolved_at == incident.resolved_at
    assert WebhookDelivery.objects.count() == 2


@pytest.mark.django_db
def test_opsgenie_close_resolves_the_page(post_webhook, products):
    post_webhook("opsgenie", "opsgenie_alert_create.json")
    post_webhook("opsgenie", "opsgenie_alert_close.json")
    page = Page.objects.get()
    assert page.product_id == products["ops"].id
    assert page.triggered_at == datetime(2015, 1, 5, 10, 3, 11, 104000, tzinfo=UTC)  # epoch milliseconds
    assert page.resolved_at == datetime(2015, 1, 5, 11, 3, 11, 104000, tzinfo=UTC)  # epoch nanoseconds


@pytest.mark.django_db
def test_unmapped_events_are_kept_and_listed(post_webhook, client, django_user_model):
    response = post_webhook("github", "github_push.json", event="push", delivery="x")
    assert response.status_code == 202
    assert Change.objects.filter(product__isnull=True).count() == 2
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    listing = client.get("/api/v1/events/unmapped?kind=change").json()
    assert listing["counts"]["change"] == 2
    assert {row["origin"] for row in listing["events"]} == {"https://github.com/Codertocat/Hello-World"}


@pytest.mark.django_db
def test_events_that_carry_nothing_are_recorded_as_ignored(post_webhook, products):
    response = post_webhook("github", "github_push.json", event="ping", delivery="p")
    assert response.status_code == 202
    assert response.json()["outcome"] == "ignored"
    assert Change.objects.count() == 0
