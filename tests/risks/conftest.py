from tests.knowledge.conftest import api  # noqa: F401 - the same authenticated API client
