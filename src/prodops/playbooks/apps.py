from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "prodops.playbooks"
    label = "playbooks"
    verbose_name = "Playbooks"

    def ready(self) -> None:
        from prodops.playbooks.signals import connect  # noqa: PLC0415 - imports models: only once the app registry is ready

        connect()
