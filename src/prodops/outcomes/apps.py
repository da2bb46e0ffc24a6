from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "prodops.outcomes"
    label = "outcomes"
    verbose_name = "Customer outcomes"
