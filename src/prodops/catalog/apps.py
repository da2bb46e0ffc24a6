from django.apps import AppConfig

from prodops.manifests.registry import register_kind


class CatalogConfig(AppConfig):
    name = "prodops.catalog"
    label = "catalog"

    def ready(self) -> None:
        from prodops.catalog.manifest_kinds import PersonKind, ProductKind, TeamKind  # noqa: PLC0415 - imports models: only once the app registry is ready

        register_kind(PersonKind())
        register_kind(TeamKind())
        register_kind(ProductKind())
