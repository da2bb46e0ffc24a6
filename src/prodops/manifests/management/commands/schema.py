from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from prodops.manifests import services


class Command(BaseCommand):
    help = "Print the JSON Schema of the config-as-code format (for editors and CI linters)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(services.json_schema(), indent=2, ensure_ascii=False))
