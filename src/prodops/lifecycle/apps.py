from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "prodops.lifecycle"
    label = "lifecycle"
