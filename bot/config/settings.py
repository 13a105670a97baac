"""`Settings`: the file config and the environment (secrets and endpoints), and `load_settings`, which
builds them and turns every validation problem into one `ConfigError`."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError

from bot.config.base import DEFAULT_CONFIG, ConfigError, _KeyedError
from bot.config.file import FileConfig

SECRET_ENV = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_SECRET",
    "ZENDESK_API_TOKEN", "ZENDESK_OAUTH_TOKEN", "FRESHDESK_API_KEY", "INTERCOM_ACCESS_TOKEN",
    "SIGNALROOM_SECRET_KEY", "JIRA_API_TOKEN", "LINEAR_API_KEY", "HUBSPOT_TOKEN",
    "JIRA_WEBHOOK_SECRET", "LINEAR_WEBHOOK_SECRET",
)
PLAIN_ENV = (
    "SIGNALROOM_CONFIG", "DATABASE_URL", "SLACK_CLIENT_ID", "SLACK_API_URL", "ZENDESK_SUBDOMAIN",
    "ZENDESK_URL", "ZENDESK_EMAIL", "FRESHDESK_DOMAIN", "FRESHDESK_URL", "INTERCOM_URL", "PORT",
    "SIGNALROOM_DATA_DIR", "SIGNALROOM_LOG_LEVEL", "JIRA_URL", "JIRA_EMAIL", "LINEAR_URL", "HUBSPOT_URL",
)


class Environment(BaseModel):
    """Secrets and endpoints. Secrets are `SecretStr`: masked in repr and logs."""

    model_config = ConfigDict(frozen=True)

    database_url: str | None = None
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    zendesk_subdomain: str | None = None
    zendesk_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None
    zendesk_oauth_token: SecretStr | None = None
    freshdesk_domain: str | None = None
    freshdesk_url: str | None = None
    freshdesk_api_key: SecretStr | None = None
    intercom_access_token: SecretStr | None = None
    intercom_url: str = "https://api.intercom.io"
    # Issue trackers (bot/trackers): Jira Cloud site + email + API token; Linear API key.
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    linear_api_key: SecretStr | None = None
    linear_url: str = "https://api.linear.app"
    # Signing secrets of the trackers' webhooks (POST /trackers/jira|linear): set, the endpoint is on.
    jira_webhook_secret: SecretStr | None = None
    linear_webhook_secret: SecretStr | None = None
    # HubSpot (bot/crm): a private app's access token; HUBSPOT_URL for proxies and tests.
    hubspot_token: SecretStr | None = None
    hubspot_url: str = "https://api.hubapi.com"
    # Encrypts credentials stored in the database; comma-separated keys rotate (bot/credentials.py).
    signalroom_secret_key: SecretStr | None = None
    port: int = Field(default=3000, ge=1, le=65535)
    # Which of jira, linear, hubspot above came from a workspace's encrypted store instead of the environment
    # (set by bot.workspaces.integrations.with_integrations; not a variable): errors name where to fix them.
    _stored_integrations: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @property
    def stored_integrations(self) -> frozenset[str]:
        return self._stored_integrations

    def auth_hint(self, kind: str, variables: str, workspace_id: str) -> str:
        """What to check when `kind` refuses the credentials serving `workspace_id`: the stored ones, named by
        workspace, or the environment's `variables`."""
        if kind not in self._stored_integrations:
            return variables
        return (f"the {kind} credentials stored for workspace {workspace_id} (replace them: `signalroom integration "
                f"remove {kind} --workspace {workspace_id}`, then `integration add`)")

    @property
    def zendesk_base_url(self) -> str | None:
        if self.zendesk_url:
            return self.zendesk_url.rstrip("/")
        if self.zendesk_subdomain:
            return f"https://{self.zendesk_subdomain}.zendesk.com"
        return None

    @property
    def freshdesk_base_url(self) -> str | None:
        if self.freshdesk_url:
            return self.freshdesk_url.rstrip("/")
        if self.freshdesk_domain:
            domain = self.freshdesk_domain
            return f"https://{domain}" if "." in domain else f"https://{domain}.freshdesk.com"
        return None


class Settings(BaseModel):
    """Everything a process needs: the file config, the environment, and where they came from."""

    model_config = ConfigDict(frozen=True)

    config_path: str
    config_found: bool
    file: FileConfig
    env: Environment

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.file.timezone)

    @property
    def workspace_id(self) -> str:
        return self.file.workspace_id

    @property
    def data_dir(self) -> Path:
        return Path(self.file.data_dir)

    @property
    def database_url(self) -> str:
        if self.env.database_url:
            return self.env.database_url
        return f"sqlite:///{self.data_dir / 'signalroom.db'}"


def _format_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("function-after", "function-before"))


def _first_error(exc: ValidationError) -> tuple[str, str]:
    error = exc.errors()[0]
    ctx_error = (error.get("ctx") or {}).get("error")
    if isinstance(ctx_error, _KeyedError):
        return ctx_error.key, ctx_error.problem
    key = _format_loc(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling against signalroom.example.toml)"
    return key, message


def load_settings(env: Mapping[str, str], *, config_path: str | None = None) -> Settings:
    """Build settings from the config file and the environment mapping, or raise ConfigError."""
    explicit = config_path or env.get("SIGNALROOM_CONFIG")
    path = Path(explicit or DEFAULT_CONFIG)
    raw: dict[str, Any] = {}
    found = path.is_file()
    if explicit and not found:
        raise ConfigError(str(path), "", "config file not found (set SIGNALROOM_CONFIG or pass --config)")
    if found:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), "", f"not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(str(path), "", f"cannot read: {exc}") from None
    if env.get("SIGNALROOM_DATA_DIR"):
        raw["data_dir"] = env["SIGNALROOM_DATA_DIR"]
    if env.get("SIGNALROOM_LOG_LEVEL"):
        raw["log_level"] = env["SIGNALROOM_LOG_LEVEL"].upper()
    try:
        file = FileConfig.model_validate(raw)
    except ValidationError as exc:
        key, problem = _first_error(exc)
        raise ConfigError(str(path), key, problem) from None

    values = {name.lower(): env[name] for name in (*SECRET_ENV, *PLAIN_ENV) if env.get(name)}
    values.pop("signalroom_config", None)
    values.pop("signalroom_data_dir", None)
    values.pop("signalroom_log_level", None)
    try:
        environment = Environment.model_validate(values)
    except ValidationError as exc:
        key, problem = _first_error(exc)
        raise ConfigError("environment", key.upper(), problem) from None
    if environment.database_url:
        from bot.storage.engine import normalize_url  # SQLAlchemy: not for --help

        try:
            normalize_url(environment.database_url)
        except Exception:  # noqa: BLE001 - SQLAlchemy raises several kinds
            raise ConfigError("environment", "DATABASE_URL", "not a database URL (e.g. postgres://user@host/db)") from None
    return Settings(config_path=str(path), config_found=found, file=file, env=environment)


def mask(secret: SecretStr | None) -> str:
    if secret is None:
        return "(unset)"
    value = secret.get_secret_value()
    return "set (****)" if len(value) < 12 else f"set (****{value[-4:]})"


def effective_config(settings: Settings) -> dict[str, Any]:
    """The effective configuration as plain data, secrets masked: for `config check`."""
    from sqlalchemy.engine import make_url

    from bot.storage.engine import normalize_url

    env = settings.env
    environment: dict[str, Any] = {}
    for name, field in Environment.model_fields.items():
        value = getattr(env, name)
        environment[name.upper()] = mask(value) if isinstance(value, SecretStr) or (
            value is None and field.annotation is not None and "SecretStr" in str(field.annotation)
        ) else value
    environment["DATABASE_URL"] = make_url(normalize_url(settings.database_url)).render_as_string(hide_password=True)
    return {
        "config_file": settings.config_path + ("" if settings.config_found else " (not found: defaults)"),
        **settings.file.model_dump(mode="json"),
        "environment": environment,
    }


SUPPORTED_DATABASES = ("postgresql", "sqlite")


def database_backend(url: str) -> str:
    from sqlalchemy.engine import make_url

    from bot.storage.engine import normalize_url

    return make_url(normalize_url(url)).get_backend_name()
