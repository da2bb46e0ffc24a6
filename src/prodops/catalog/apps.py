from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "prodops.catalog"
    label = "catalog"

    def ready(self) -> None:
        from prodops.catalog.manifest_kinds import PersonKind, ProductKind, TeamKind
        from prodops.manifests.registry import register_kind

        register_kind(PersonKind())
        register_kind(TeamKind())
        register_kind(ProductKind())
