from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "prodops.improvement"
    label = "improvement"
    verbose_name = "Continuous improvement"

    def ready(self) -> None:
        # A retrospective opens when a transition executes (lifecycle stays unaware of it).
        from prodops.improvement.signals import connect  # noqa: PLC0415 - imports models: only once the app registry is ready

        connect()
