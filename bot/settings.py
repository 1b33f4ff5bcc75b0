"""Settings, read once from the environment (and a .env file) into a frozen object that is passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.errors import ConfigError
from bot.logs import LOG_FORMATS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
MODEL_STORE_FILES = "files"  # versions under SCOPE_BOT_MODEL_DIR
MODEL_STORE_DATABASE = "database"  # versions in the database, shared by every replica
MODEL_STORES = (MODEL_STORE_FILES, MODEL_STORE_DATABASE)


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    quotes_channel: str = ""
    db_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'scope-bot.db'}"
    model_dir: Path = PROJECT_ROOT / "var" / "models"
    model_store: str = MODEL_STORE_FILES  # files | database (bot.services.model_store)
    reports_dir: Path = PROJECT_ROOT / "var" / "reports"
    catalog_path: Path = PROJECT_ROOT / "training_data" / "catalog.yml"
    train_dir: Path = PROJECT_ROOT / "training_data" / "train"
    dev_path: Path = PROJECT_ROOT / "training_data" / "dev.yml"
    hard_dev_path: Path = PROJECT_ROOT / "training_data" / "hard_dev.yml"
    support_group: str = ""  # Slack user group id mentioned when the bot is unsure (S0123...)
    reviewer_group: str = ""  # members' feedback is accepted without review
    reviewer_users: frozenset[str] = field(default_factory=frozenset)
    report_channel: str = ""  # where `retrain` posts its report, if set
    model_reload_seconds: float = 30.0
    keep_versions: int = 10
    gate_tolerance: float = 0.01
    gate_recall_drop: float = 0.10
    gate_max_flips: int = 3  # dev / tune examples of one row a candidate may turn from right to wrong
    audit_confidence: float = 0.9  # feedback contradicting a prediction this sure is flagged for review
    outbox_retry_seconds: float = 60.0
    slack_timeout_seconds: float = 30.0  # one Web API call; an outbox lease covers two (a history check and a send)
    channel_pace_seconds: float = 1.0  # at most one post per channel this often, per process (Slack's limit)
    port: int = 3000  # HTTP port of `run` / `serve` ($PORT, as platforms set it)
    metrics_port: int | None = None  # Socket Mode: serve /metrics on this port (HTTP mode serves it on `port`)
    metrics_dir: Path | None = None  # where serve's processes record metrics (default: a fresh temporary directory)
    log_format: str = "text"  # text | json (one JSON object per line)
    model_key: bytes | None = None  # signs and checks model manifests (SCOPE_BOT_MODEL_KEY), kept off the model volume

    @property
    def slack_enabled(self) -> bool:
        """True when Slack credentials are configured (otherwise `run` starts the local shell)."""
        return bool(self.slack_bot_token)

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (CLI flags, tests)."""
        return replace(self, **changes)


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name}={value!r} is not an http(s) URL")
    return value if value.endswith("/") else value + "/"


def _number(env: Mapping[str, str], name: str, default: float, kind: type = float, minimum: float = 0) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a {kind.__name__}") from exc
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _db_url(env: Mapping[str, str], default: str) -> str:
    raw = env.get("SCOPE_BOT_DB", "").strip()
    if not raw:
        return default
    if "://" in raw:
        return raw
    return f"sqlite:///{Path(raw).expanduser().resolve()}"


def _model_store(env: Mapping[str, str], db_url: str) -> str:
    value = env.get("SCOPE_BOT_MODEL_STORE", "").strip().lower()
    if not value:
        # Replicas on one PostgreSQL database share no filesystem; one SQLite file means one machine.
        return MODEL_STORE_FILES if db_url.startswith("sqlite") else MODEL_STORE_DATABASE
    if value not in MODEL_STORES:
        raise ConfigError(f"SCOPE_BOT_MODEL_STORE={value!r} is not one of {', '.join(MODEL_STORES)}")
    return value


def _model_key(env: Mapping[str, str]) -> bytes | None:
    raw = env.get("SCOPE_BOT_MODEL_KEY", "").strip()
    if not raw:
        return None
    if len(raw) < 16:
        raise ConfigError("SCOPE_BOT_MODEL_KEY must be at least 16 characters (e.g. `openssl rand -hex 32`)")
    return raw.encode("utf-8")


def _log_format(env: Mapping[str, str]) -> str:
    value = env.get("SCOPE_BOT_LOG_FORMAT", "").strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise ConfigError(f"SCOPE_BOT_LOG_FORMAT={value!r} is not one of {', '.join(LOG_FORMATS)}")
    return value


def load_settings(environ: Mapping[str, str] | None = None, *, env_file: Path | None = None) -> Settings:
    """Build Settings from `environ` (default os.environ) over the values of a .env file, if there is one."""
    file_values = {}
    env_file = env_file if env_file is not None else Path.cwd() / ".env"
    if env_file.is_file():
        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    env = {**file_values, **(os.environ if environ is None else environ)}
    defaults = Settings()

    bot_token = env.get("SLACK_BOT_TOKEN", "").strip()
    app_token = env.get("SLACK_APP_TOKEN", "").strip()
    secret = env.get("SLACK_SIGNING_SECRET", "").strip()
    if bot_token and not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")
    if app_token and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
    model_dir = env.get("SCOPE_BOT_MODEL_DIR", "").strip()
    data_dir = (
        Path(env["SCOPE_BOT_DATA_DIR"]).expanduser().resolve() if env.get("SCOPE_BOT_DATA_DIR", "").strip() else None
    )
    metrics_dir = env.get("SCOPE_BOT_METRICS_DIR", "").strip()
    db_url = _db_url(env, defaults.db_url)
    reviewers = frozenset(u.strip() for u in env.get("SCOPE_BOT_REVIEWERS", "").split(",") if u.strip())
    return Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=secret,
        slack_app_token=app_token,
        slack_api_url=_url(env, "SLACK_API_URL", DEFAULT_SLACK_API_URL),
        quotes_channel=env.get("SCOPE_BOT_QUOTES_CHANNEL", "").strip(),
        db_url=db_url,
        model_dir=Path(model_dir).expanduser().resolve() if model_dir else defaults.model_dir,
        model_store=_model_store(env, db_url),
        reports_dir=Path(env["SCOPE_BOT_REPORTS_DIR"]).resolve()
        if env.get("SCOPE_BOT_REPORTS_DIR")
        else defaults.reports_dir,
        catalog_path=data_dir / "catalog.yml" if data_dir else defaults.catalog_path,
        train_dir=data_dir / "train" if data_dir else defaults.train_dir,
        dev_path=data_dir / "dev.yml" if data_dir else defaults.dev_path,
        hard_dev_path=data_dir / "hard_dev.yml" if data_dir else defaults.hard_dev_path,
        support_group=env.get("SCOPE_BOT_SUPPORT_GROUP", "").strip(),
        reviewer_group=env.get("SCOPE_BOT_REVIEWER_GROUP", "").strip(),
        reviewer_users=reviewers,
        report_channel=env.get("SCOPE_BOT_REPORT_CHANNEL", "").strip(),
        model_reload_seconds=_number(env, "SCOPE_BOT_MODEL_RELOAD_SECONDS", defaults.model_reload_seconds, minimum=0.1),
        keep_versions=int(_number(env, "SCOPE_BOT_KEEP_VERSIONS", defaults.keep_versions, int, minimum=2)),
        gate_tolerance=_number(env, "SCOPE_BOT_GATE_TOLERANCE", defaults.gate_tolerance),
        gate_recall_drop=_number(env, "SCOPE_BOT_GATE_RECALL_DROP", defaults.gate_recall_drop),
        gate_max_flips=int(_number(env, "SCOPE_BOT_GATE_MAX_FLIPS", defaults.gate_max_flips, int)),
        audit_confidence=_number(env, "SCOPE_BOT_AUDIT_CONFIDENCE", defaults.audit_confidence),
        port=int(_number(env, "PORT", defaults.port, int, minimum=1)),
        model_key=_model_key(env),
        metrics_port=int(_number(env, "SCOPE_BOT_METRICS_PORT", 0, int, minimum=1)) or None,
        metrics_dir=Path(metrics_dir).expanduser().resolve() if metrics_dir else None,
        log_format=_log_format(env),
        outbox_retry_seconds=_number(env, "SCOPE_BOT_OUTBOX_RETRY_SECONDS", defaults.outbox_retry_seconds, minimum=0.1),
        channel_pace_seconds=_number(env, "SCOPE_BOT_CHANNEL_PACE_SECONDS", defaults.channel_pace_seconds),
        slack_timeout_seconds=_number(
            env, "SCOPE_BOT_SLACK_TIMEOUT_SECONDS", defaults.slack_timeout_seconds, minimum=1
        ),
    )


def require_slack(settings: Settings, *, http: bool) -> None:
    """Check the settings a Slack connection needs; ConfigError names the first missing variable."""
    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    if http and not settings.slack_signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET is not set (needed to verify requests in HTTP mode)")
    if not settings.quotes_channel:
        raise ConfigError("SCOPE_BOT_QUOTES_CHANNEL is not set (channel id where quote requests are posted)")
