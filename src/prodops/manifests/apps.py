from django.apps import AppConfig


class ManifestsConfig(AppConfig):
    name = "prodops.manifests"
    label = "manifests"
