from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "prodops.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge"

    def ready(self) -> None:
        from prodops.knowledge.manifests import DocsSection
        from prodops.manifests.registry import register_product_section

        register_product_section(DocsSection())
