from django.apps import AppConfig

from prodops.manifests.registry import register_product_section


class PilotsConfig(AppConfig):
    name = "prodops.pilots"
    label = "pilots"
    verbose_name = "Pilots"

    def ready(self) -> None:
        from prodops.pilots.manifests import PilotSection  # noqa: PLC0415 - imports models: only once the app registry is ready

        register_product_section(PilotSection())
