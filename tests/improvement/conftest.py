from tests.readiness.conftest import people  # noqa: F401 - shared fixtures
from tests.web.conftest import make_user, personas  # noqa: F401 - shared fixtures
