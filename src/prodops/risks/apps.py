from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "prodops.risks"
    label = "risks"
