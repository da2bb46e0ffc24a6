from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "prodops.metrics"
    label = "metrics"
