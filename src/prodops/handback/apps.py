from django.apps import AppConfig


class HandbackConfig(AppConfig):
    name = "prodops.handback"
    label = "handback"
    verbose_name = "Handback"
