"""Waivers link to the risk register: ``risk`` was free text ("RISK-12", a URL, ...) and
becomes a foreign key to ``risks.Risk``. Existing text is parsed: ``RISK-<id>`` (or a
bare id) naming a risk of the same product is linked; any other text is kept by appending
it to the waiver's reason, so nothing said is lost."""

import re

import django.db.models.deletion
from django.db import migrations, models

REF = re.compile(r"^\s*(?:RISK[-\s#]*)?(\d+)\s*$", re.IGNORECASE)


def link_risks(apps, schema_editor):
    Waiver = apps.get_model("readiness", "Waiver")
    Risk = apps.get_model("risks", "Risk")
    for waiver in Waiver.objects.exclude(risk_text=""):
        match = REF.match(waiver.risk_text)
        risk = None
        if match:
            risk = Risk.objects.filter(pk=int(match.group(1)), product_id=waiver.product_id).first()
        if risk is not None:
            waiver.risk = risk
        else:
            waiver.reason = f"{waiver.reason} (linked risk: {waiver.risk_text.strip()})"
        waiver.save(update_fields=["risk", "reason"])


def unlink_risks(apps, schema_editor):
    Waiver = apps.get_model("readiness", "Waiver")
    for waiver in Waiver.objects.filter(risk__isnull=False):
        waiver.risk_text = f"RISK-{waiver.risk_id}"
        waiver.save(update_fields=["risk_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0003_pending_evaluations"),
        ("risks", "0003_known_error_gin_index"),
    ]

    operations = [
        migrations.RenameField(model_name="waiver", old_name="risk", new_name="risk_text"),
        migrations.AddField(
            model_name="waiver",
            name="risk",
            field=models.ForeignKey(
                blank=True,
                help_text="The risk of the register that this waiver accepts (RISK-<id>), if any.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="waivers",
                to="risks.risk",
            ),
        ),
        migrations.RunPython(link_risks, unlink_risks),
        migrations.RemoveField(model_name="waiver", name="risk_text"),
    ]
