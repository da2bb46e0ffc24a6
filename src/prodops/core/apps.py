from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "prodops.core"
    label = "core"

    def ready(self) -> None:
        # Registers the ``in_ids`` lookup that providers and services filter batches with.
        from prodops.core import facts  # noqa: F401, PLC0415 - imported for its side effect, once apps are ready
