"""Both bots together: the officer bot's world and the reporter bot's harness on one database."""

from tests.officer.conftest import sim_options, world  # noqa: F401  (fixtures)
from tests.reporter.conftest import harness, settings  # noqa: F401  (fixtures)
