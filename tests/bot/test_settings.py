import pytest

from bot.cli import main
from bot.errors import ConfigError
from bot.settings import DEFAULT_SLACK_API_URL, load_settings, require_slack


def test_defaults_without_environment(tmp_path):
    settings = load_settings({}, env_file=tmp_path / "missing.env")
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert not settings.slack_enabled
    assert settings.db_url.startswith("sqlite:///") and settings.db_url.endswith("var/scope-bot.db")


def test_env_file_is_read_and_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SCOPE_BOT_QUOTES_CHANNEL=C0FILE\nSLACK_API_URL=http://127.0.0.1:9/api\n")
    settings = load_settings({"SCOPE_BOT_QUOTES_CHANNEL": "C0ENV"}, env_file=env_file)
    assert settings.quotes_channel == "C0ENV"
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


def test_db_path_becomes_a_sqlite_url_and_urls_pass_through(tmp_path):
    assert (
        load_settings({"SCOPE_BOT_DB": str(tmp_path / "x.db")}, env_file=tmp_path / "no").db_url
        == f"sqlite:///{tmp_path / 'x.db'}"
    )
    assert (
        load_settings({"SCOPE_BOT_DB": "postgresql://db/scope"}, env_file=tmp_path / "no").db_url
        == "postgresql://db/scope"
    )


def test_models_are_files_with_sqlite_and_rows_with_postgresql_unless_chosen(tmp_path):
    def model_store(**env: str) -> str:
        return load_settings(env, env_file=tmp_path / "no").model_store

    assert model_store() == model_store(SCOPE_BOT_DB=str(tmp_path / "x.db")) == "files"
    assert model_store(SCOPE_BOT_DB="postgresql://bot@db/scope") == "database"
    assert model_store(SCOPE_BOT_DB="postgresql://bot@db/scope", SCOPE_BOT_MODEL_STORE="Files") == "files"
    assert model_store(SCOPE_BOT_MODEL_STORE="database") == "database"


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_URL": "ftp://slack"}, "SLACK_API_URL"),
        ({"SCOPE_BOT_MODEL_RELOAD_SECONDS": "soon"}, "SCOPE_BOT_MODEL_RELOAD_SECONDS"),
        ({"SCOPE_BOT_KEEP_VERSIONS": "1"}, "SCOPE_BOT_KEEP_VERSIONS"),
        ({"PORT": "http"}, "PORT"),
        ({"SCOPE_BOT_METRICS_PORT": "0"}, "SCOPE_BOT_METRICS_PORT"),
        ({"SCOPE_BOT_LOG_FORMAT": "xml"}, "SCOPE_BOT_LOG_FORMAT"),
        ({"SCOPE_BOT_MODEL_STORE": "s3"}, "SCOPE_BOT_MODEL_STORE"),
    ],
)
def test_invalid_settings_name_their_variable(tmp_path, env, variable):
    with pytest.raises(ConfigError, match=variable):
        load_settings(env, env_file=tmp_path / "no")


def test_metrics_and_log_settings(tmp_path):
    settings = load_settings(
        {"SCOPE_BOT_METRICS_PORT": "9464", "SCOPE_BOT_LOG_FORMAT": "JSON", "SCOPE_BOT_METRICS_DIR": str(tmp_path)},
        env_file=tmp_path / "no",
    )
    assert (settings.metrics_port, settings.log_format, settings.metrics_dir) == (9464, "json", tmp_path)
    defaults = load_settings({}, env_file=tmp_path / "no")
    assert (defaults.metrics_port, defaults.log_format, defaults.metrics_dir) == (None, "text", None)


def test_slack_mode_requires_token_secret_and_quotes_channel(tmp_path):
    base = {"SLACK_BOT_TOKEN": "xoxb-1"}
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        require_slack(load_settings(base, env_file=tmp_path / "no"), http=True)
    with pytest.raises(ConfigError, match="SCOPE_BOT_QUOTES_CHANNEL"):
        require_slack(load_settings({**base, "SLACK_SIGNING_SECRET": "s"}, env_file=tmp_path / "no"), http=True)
    # Socket Mode needs no signing secret.
    require_slack(load_settings({**base, "SCOPE_BOT_QUOTES_CHANNEL": "C1"}, env_file=tmp_path / "no"), http=False)


def test_serve_without_settings_is_one_line_naming_the_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SCOPE_BOT_QUOTES_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    assert main(["serve", "--port", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("scope-bot: error: SCOPE_BOT_QUOTES_CHANNEL is not set")
