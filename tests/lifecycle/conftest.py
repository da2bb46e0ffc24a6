from tests.readiness.conftest import acme, acme_product, people  # noqa: F401 - shared fixtures
