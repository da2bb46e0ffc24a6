from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "prodops.audit"
    label = "audit"
