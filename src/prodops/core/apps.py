from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "prodops.core"
    label = "core"
