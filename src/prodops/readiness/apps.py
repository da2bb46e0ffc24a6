from __future__ import annotations

from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "prodops.readiness"
    label = "readiness"
    verbose_name = "Readiness"

    def ready(self) -> None:
        from prodops.readiness.signals import connect  # noqa: PLC0415 - imports models: only once the app registry is ready

        connect()
