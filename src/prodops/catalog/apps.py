from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "prodops.catalog"
    label = "catalog"
