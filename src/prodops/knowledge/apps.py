from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "prodops.knowledge"
    label = "knowledge"
