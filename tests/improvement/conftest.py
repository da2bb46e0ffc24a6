from tests.readiness.conftest import people  # noqa: F401 - shared fixtures
