"""Every criterion of the default standard has a fix one click away: a web form or page
that records its evidence, the attest form on its row, or the event source that
computes it (web/fixes.py). A criterion added later that reads an unmapped fact fails
here until it is mapped."""

from __future__ import annotations

import pytest

from prodops.web import fixes

pytestmark = pytest.mark.django_db


def _default_standard():
    from prodops.readiness.services import get_standard

    return get_standard("default")


def test_every_default_criterion_has_a_web_action_or_an_event_source():
    from django.urls import NoReverseMatch, reverse

    from prodops.web.evidence import EVIDENCE

    standard = _default_standard()
    assert len(standard.criteria) > 40  # the packaged default, not an empty one
    missing = []
    for cc in standard.criteria:
        crit = cc.criterion
        if crit.attest is not None:
            continue  # the attest form sits on the criterion's own row
        assert cc.facts, f"{crit.id} reads no fact"
        for name in cc.facts:
            found = fixes.target_for_fact(name)
            if found is None:
                missing.append(f"{crit.id}: {name}")
                continue
            target, _ = found
            # Each target is something real: a registered form, a page, an anchor the
            # product page has, or the named event source.
            if target.form:
                assert target.form in EVIDENCE, target
            elif target.page:
                try:
                    reverse(target.page, args=["x"])
                except NoReverseMatch:  # pragma: no cover - the assertion explains
                    pytest.fail(f"{crit.id}: no page {target.page}")
            else:
                assert target.anchor or target.source, target
    assert not missing, "criteria whose facts have no web action or event source: " + ", ".join(missing)


def test_an_unmapped_fact_has_no_fix():
    assert fixes.target_for_fact("nobody.knows.this") is None


def test_a_document_fix_presets_its_kind_and_a_stale_one_links_the_document(make_product, actor):
    from datetime import date

    from prodops.knowledge import services

    product = make_product()
    [add] = fixes.fix_for(product, ("docs.runbook.count",))
    assert add.url.endswith("/products/payments-api/evidence/document/?kind=runbook")
    doc = services.create_document(
        actor=actor,
        product=product,
        kind="runbook",
        title="Old runbook",
        url="https://x.example/r",
        reviewed=date(2020, 1, 1),
    )
    [review] = fixes.fix_for(product, ("docs.runbook.fresh_count",))
    assert review.url == f"/products/payments-api/documents/{doc.pk}/"
    [events] = fixes.fix_for(product, ("incidents.open_sev1",))
    assert events.url == "" and "prodops events import" in events.source
