from django.apps import AppConfig


class WarrantyConfig(AppConfig):
    name = "prodops.warranty"
    label = "warranty"
