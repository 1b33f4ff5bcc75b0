"""Database URLs as an admin writes them: postgresql:// uses psycopg 3, and a missing driver is one line."""

import subprocess
import sys

import pytest

from bot.db import Store
from bot.db.dialects import engine_url
from bot.errors import StoreError

# Opening the store in a Python whose `import psycopg` fails, as on an install without the extra (the CLI prints
# the StoreError's message after "scope-bot: error: ").
WITHOUT_PSYCOPG = """
import sys
sys.modules["psycopg"] = None
from bot.db import Store
from bot.errors import StoreError
try:
    Store.open(sys.argv[1])
except StoreError as exc:
    sys.exit(str(exc))
"""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bot:secret@db.internal/scope", "postgresql+psycopg://bot:secret@db.internal/scope"),
        ("postgres://bot@db.internal:6432/scope", "postgresql+psycopg://bot@db.internal:6432/scope"),
        ("postgresql+psycopg://bot@db/scope", "postgresql+psycopg://bot@db/scope"),
        ("sqlite:////var/lib/scope-bot/scope-bot.db", "sqlite:////var/lib/scope-bot/scope-bot.db"),
    ],
)
def test_a_plain_postgresql_url_uses_psycopg_3_and_other_urls_stay_as_written(url, expected):
    assert engine_url(url).render_as_string(hide_password=False) == expected


def test_a_postgresql_url_without_the_driver_is_one_line_naming_the_extra(tmp_path):
    url = "postgresql://bot:secret@127.0.0.1:1/scope"
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_PSYCOPG, url], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr == "PostgreSQL needs the psycopg driver: pip install 'scope-bot[postgres]'\n"


def test_a_server_that_cannot_be_reached_is_one_line_without_the_password():
    with pytest.raises(StoreError) as caught:
        Store.open("postgres://bot:secret@127.0.0.1:1/scope")
    message = str(caught.value)
    assert message.startswith("cannot open database postgres://bot:***@127.0.0.1:1/scope: OperationalError")
    assert "secret" not in message and "\n" not in message


def test_something_that_is_no_url_is_a_store_error():
    with pytest.raises(StoreError, match="is not a database URL"):
        Store.open("not a url://")
