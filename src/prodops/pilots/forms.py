"""The pilot page's forms. The plan's cohorts and criteria are written as YAML lists,
the same as ``spec.pilot`` in config as code, so one format serves both doors."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms

from prodops.pilots.schemas import PilotSpec, dump


def _yaml_list(text: str, field: str) -> list[Any]:
    try:
        value = yaml.safe_load(text or "[]")
    except yaml.YAMLError as exc:
        raise forms.ValidationError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if value is None:
        return []
    if not isinstance(value, list):
        raise forms.ValidationError(f"{field}: a YAML list, one item per line starting with '-'")
    return value


class PlanForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    min_days = forms.IntegerField(min_value=0, max_value=3650, initial=14)
    cohorts = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="YAML list, e.g. - {name: staff, kind: internal, planned_size: 1000}",
    )
    criteria = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="YAML list, e.g. - {id: checkout-ok, metric: checkout-ok, kind: proportion, "
        "threshold: 0.95, min_sample: 100}",
    )

    def plan(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "start": data["start"],
            "min_days": data["min_days"],
            "cohorts": _yaml_list(data.get("cohorts") or "", "cohorts"),
            "criteria": _yaml_list(data.get("criteria") or "", "criteria"),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("cohorts", "criteria"):
            if name in cleaned:
                try:
                    _yaml_list(cleaned[name], name)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned

    @classmethod
    def initial_for(cls, plan: PilotSpec | None) -> dict[str, Any]:
        if plan is None:
            return {}
        data = dump(plan)

        def flow(items: list[dict[str, Any]]) -> str:
            return "".join(
                yaml.safe_dump([item], default_flow_style=None, sort_keys=False, width=1000) for item in items
            )

        return {
            "start": plan.start,
            "min_days": plan.min_days,
            "cohorts": flow(data.get("cohorts", [])),
            "criteria": flow(data.get("criteria", [])),
        }


class ObservationForm(forms.Form):
    metric = forms.CharField(max_length=63)
    cohort = forms.CharField(max_length=63, required=False)
    successes = forms.IntegerField(min_value=0, required=False)
    trials = forms.IntegerField(min_value=0, required=False)
    count = forms.IntegerField(min_value=0, required=False)
    exposure = forms.FloatField(min_value=0, required=False)
    users = forms.IntegerField(min_value=0, required=False, help_text="People of the cohort exposed so far.")


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(choices=[(i, str(i)) for i in range(1, 6)], coerce=int)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("proceed", "Proceed"), ("extend", "Extend"), ("stop", "Stop")])
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)
