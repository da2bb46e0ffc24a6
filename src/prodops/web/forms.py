from __future__ import annotations

from typing import Any

from django import forms

from prodops.catalog.models import DEFAULT_STAGES, SLUG_VALIDATOR, Person, Team
from prodops.knowledge.models import doc_kinds
from prodops.risks.models import KnownError, Risk

TIER_CHOICES = [("", "Any tier")] + [(str(t), f"Tier {t}") for t in range(1, 5)]
STAGE_CHOICES = [("", "Any stage")] + [(s, s.capitalize()) for s in DEFAULT_STAGES]


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or slug"}),
    )
    team = forms.ChoiceField(required=False, label="Team")
    lead = forms.CharField(
        required=False, label="Lead", widget=forms.TextInput(attrs={"placeholder": "email"})
    )
    tier = forms.ChoiceField(required=False, choices=TIER_CHOICES, label="Tier")
    tag = forms.CharField(required=False, label="Tag")
    stage = forms.ChoiceField(required=False, choices=STAGE_CHOICES, label="Stage")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.order_by("name").values_list("slug", "name")
        _choices(self, "team", [("", "Any team"), *teams])


class ProductForm(forms.Form):
    """Create or edit a product. Both leads are required: that is the point (seed 000)."""

    slug = forms.CharField(
        max_length=63,
        validators=[SLUG_VALIDATOR],
        help_text="Lower-case letters, digits and hyphens, e.g. payments-api.",
    )
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tier = forms.TypedChoiceField(
        coerce=int,
        choices=[(t, f"Tier {t}") for t in range(1, 5)],
        initial=3,
        help_text="1 is the most critical, 4 the least.",
    )
    build_lead = forms.EmailField(
        label="Build lead (email)",
        help_text="The development lead: builds the product and requests its gates.",
    )
    run_lead = forms.EmailField(
        label="Run lead (email)", help_text="The operational owner: accepts or refuses the handover."
    )
    build_team = forms.ChoiceField(required=False)
    run_team = forms.ChoiceField(required=False)
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. payments, pci.")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = list(Team.objects.order_by("name").values_list("slug", "name"))
        _choices(self, "build_team", [("", "—"), *teams])
        _choices(self, "run_team", [("", "—"), *teams])
        if editing:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "The slug cannot change: tools and links refer to it."

    def clean_build_lead(self) -> str:
        return self._person("build_lead")

    def clean_run_lead(self) -> str:
        return self._person("run_lead")

    def _person(self, field: str) -> str:
        email = str(self.cleaned_data[field]).strip().lower()
        if not Person.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(f"No person with the email {email} is in the catalog.")
        return email

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.split(",") if t.strip()]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField()
    title = forms.CharField(max_length=200)
    url = forms.URLField(label="URL", required=False, max_length=500, assume_scheme="https")
    owner_email = forms.EmailField(label="Owner (email)", required=False)
    reviewed = forms.DateField(
        label="Last reviewed", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        _choices(self, "kind", [(k, k.replace("_", " ")) for k in doc_kinds()])


class RiskForm(forms.Form):
    title = forms.CharField(max_length=200)
    likelihood = forms.TypedChoiceField(
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        initial=3,
        help_text="1 (rare) to 5 (almost certain).",
    )
    impact = forms.TypedChoiceField(
        coerce=int,
        choices=[(i, str(i)) for i in range(1, 6)],
        initial=3,
        help_text="1 (negligible) to 5 (severe).",
    )
    mitigation = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner_email = forms.EmailField(label="Owner (email)", required=False)
    next_review = forms.DateField(label="Next review", widget=forms.DateInput(attrs={"type": "date"}))


class KnownErrorForm(forms.Form):
    title = forms.CharField(max_length=200)
    symptom = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="What support sees.")
    cause = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    workaround = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    defect_id = forms.CharField(label="Linked defect", required=False, max_length=100)


class TransitionRequestForm(forms.Form):
    to_stage = forms.ChoiceField(label="Move to")
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for a handback to an earlier stage.",
    )

    def __init__(self, *args: Any, stages: list[str], current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "to_stage", [(s, s.capitalize()) for s in stages if s != current])
        if current in stages and stages.index(current) + 1 < len(stages):
            self.fields["to_stage"].initial = stages[stages.index(current) + 1]


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class WaiverForm(forms.Form):
    criterion = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="Why the risk is acceptable."
    )
    risk = forms.CharField(
        label="Linked risk",
        required=False,
        max_length=200,
        help_text="The risk this waiver accepts: RISK-<id> of this product's risk register.",
    )
    expires = forms.DateField(
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Required; a waiver always ends.",
    )


class AttestForm(forms.Form):
    criterion = forms.CharField(widget=forms.HiddenInput)
    evidence_url = forms.URLField(label="Evidence (link)", max_length=500, assume_scheme="https")
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- evidence forms of the product page (web/evidence.py names the service each calls) ----

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class DocumentEditForm(DocumentForm):
    """A document: a link, or an inline Markdown body read on the product page."""

    body = forms.CharField(
        label="Inline Markdown",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Used when there is no URL. Shown on the web through the HTML sanitizer.",
    )
    field_order = ["kind", "title", "url", "body", "owner_email", "reviewed"]


class TrainingForm(forms.Form):
    topic = forms.CharField(max_length=200)
    date = forms.DateField(widget=DATE_INPUT, help_text="The day it was (or will be) held.")
    trainer = forms.EmailField(label="Trainer (email)", required=False)
    attendees = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Members of the run and build teams.",
    )
    other_attendees = forms.CharField(
        label="Other attendees (emails)",
        required=False,
        help_text="Comma-separated, for people outside the product's teams.",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, people: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "attendees", people or [])

    def clean_other_attendees(self) -> list[str]:
        raw = self.cleaned_data.get("other_attendees") or ""
        emails = [e.strip().lower() for e in raw.replace(";", ",").split(",") if e.strip()]
        for email in emails:
            forms.EmailField().clean(email)
        return emails


class SupportEstimateForm(forms.Form):
    hours_per_week = forms.FloatField(
        label="Expected support load (hours per week)",
        min_value=0,
        max_value=10_000,
        help_text="Counted against the run team's weekly capacity (the gate blocks above 85%).",
    )
    basis = forms.CharField(label="How it was estimated", max_length=300, required=False)


class SLOForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="e.g. availability, latency-p99.")
    objective = forms.FloatField(
        label="Objective (%)", min_value=0.001, max_value=100, help_text="e.g. 99.9."
    )
    window = forms.RegexField(
        regex=r"^[1-9][0-9]*[hdw]$", initial="30d", help_text="e.g. 30d, 4w, 12h.", max_length=16
    )
    description = forms.CharField(max_length=500, required=False)


class LinkForm(forms.Form):
    name = forms.RegexField(
        regex=r"^[A-Za-z0-9_.-]{1,64}$",
        help_text="repo, dashboard, docs, ... (the checklist looks for repo and dashboard).",
        error_messages={"invalid": "Use letters, digits, dots, dashes or underscores."},
    )
    url = forms.URLField(label="URL", max_length=2000, assume_scheme="https")


class OncallForm(forms.Form):
    rotation = forms.CharField(max_length=200, help_text="The rotation's name, e.g. the PagerDuty schedule.")
    team = forms.ChoiceField(required=False, help_text="Leave empty when the run team holds the pager.")
    schedule_url = forms.URLField(
        label="Schedule URL", required=False, max_length=2000, assume_scheme="https"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = list(Team.objects.order_by("name").values_list("slug", "name"))
        _choices(self, "team", [("", "—"), *teams])


class StakeholderForm(forms.Form):
    function = forms.CharField(
        max_length=64, help_text="design, sales, marketing, customer service, analytics, ..."
    )
    person = forms.EmailField(label="Person (email)")


class GoLiveForm(forms.Form):
    go_live = forms.DateField(label="Go-live date", required=False, widget=DATE_INPUT)


class WarrantyPolicyForm(forms.Form):
    defects = forms.IntegerField(label="At most this many counted defects", min_value=1, max_value=100_000)
    per = forms.RegexField(regex=r"^[1-9][0-9]*[hdw]$", label="per period", help_text="e.g. 14d.")
    min_days = forms.IntegerField(label="Minimum days", min_value=0, max_value=3650)
    max_days = forms.IntegerField(label="Maximum days", min_value=1, max_value=3650)
    severities = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        choices=[(s, s) for s in ("critical", "high", "medium", "low")],
        initial=["critical", "high"],
        help_text="The severities that count against the threshold.",
    )


class RiskEditForm(RiskForm):
    status = forms.ChoiceField()
    field_order = ["title", "status", "likelihood", "impact", "mitigation", "owner_email", "next_review"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        _choices(self, "status", list(Risk.Status.choices))


class KnownErrorEditForm(KnownErrorForm):
    status = forms.ChoiceField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        _choices(self, "status", list(KnownError.Status.choices))


class PersonForm(forms.Form):
    email = forms.EmailField(help_text="The key of a person; it cannot change later.")
    name = forms.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["email"].disabled = True


class TeamForm(forms.Form):
    slug = forms.CharField(max_length=63, validators=[SLUG_VALIDATOR], help_text="e.g. payments-ops.")
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Team.Kind.choices)
    capacity_hours_per_week = forms.FloatField(
        label="Weekly capacity (hours)",
        min_value=0,
        max_value=100_000,
        initial=0,
        help_text="For a run team: the support hours it has each week (load above 85% blocks a gate).",
    )
    members = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Emails of people in the catalog, one per line or comma-separated.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["slug"].disabled = True

    def clean_members(self) -> list[str]:
        raw = self.cleaned_data.get("members") or ""
        emails = [e.strip().lower() for e in raw.replace(",", "\n").splitlines() if e.strip()]
        for email in emails:
            forms.EmailField().clean(email)
        return list(dict.fromkeys(emails))


class InviteForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)
    product = forms.CharField(required=False, widget=forms.HiddenInput)
