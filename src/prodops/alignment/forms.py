"""The survey form: your function, your north star, the four aims ranked (ties allowed)."""

from __future__ import annotations

from typing import Any

from django import forms

from prodops.alignment.models import ITEM_LABELS, ITEMS

RANKS = [(str(n), str(n)) for n in range(1, len(ITEMS) + 1)]


class AnswerForm(forms.Form):
    function = forms.ChoiceField(label="Your function on this product")
    north_star = forms.CharField(
        label="What are you trying to achieve for this product?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, functions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        function = self.fields["function"]
        assert isinstance(function, forms.ChoiceField)
        function.choices = [(f, f) for f in functions]
        for n, item in enumerate(ITEMS, start=1):
            self.fields[item] = forms.ChoiceField(
                label=ITEM_LABELS[item],
                choices=RANKS,
                initial=str(n),
                help_text="1 = matters most; give two aims the same number to tie them.",
            )

    def ranking(self) -> dict[str, str]:
        return {item: self.cleaned_data[item] for item in ITEMS}
