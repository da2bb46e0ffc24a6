from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "prodops.readiness"
    label = "readiness"
