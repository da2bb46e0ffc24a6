from django.apps import AppConfig


class PilotsConfig(AppConfig):
    name = "prodops.pilots"
    label = "pilots"
    verbose_name = "Pilots"

    def ready(self) -> None:
        from prodops.manifests.registry import register_product_section
        from prodops.pilots.manifests import PilotSection

        register_product_section(PilotSection())
