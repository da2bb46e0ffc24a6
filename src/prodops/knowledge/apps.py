from django.apps import AppConfig

from prodops.manifests.registry import register_product_section


class KnowledgeConfig(AppConfig):
    name = "prodops.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge"

    def ready(self) -> None:
        from prodops.knowledge.manifests import DocsSection  # noqa: PLC0415 - imports models: only once the app registry is ready

        register_product_section(DocsSection())
