from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "prodops.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from prodops.campaigns.services import severity_source  # noqa: PLC0415 - imports models: only once the app registry is ready
        from prodops.readiness.services import register_severity_source  # noqa: PLC0415 - imports models: only once the app registry is ready

        register_severity_source(severity_source)
