from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "prodops.alignment"
    label = "alignment"
    verbose_name = "Alignment"
