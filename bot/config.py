"""Settings from the environment (and ``.env``). ``load_dotenv`` is called here and nowhere else."""
from __future__ import annotations

import os
from dataclasses import dataclass

from dotenv import load_dotenv


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _int(env, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    db_path: str = "convene.db"
    log_level: str = "INFO"
    log_format: str = "text"          # text | json (one JSON object per line, for log collectors)
    default_timezone: str = "Europe/Zurich"
    # Slack
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    # Slack across workspaces: bolt's OAuth install flow ("Add to Slack" at /slack/install), one installation
    # per workspace kept in the same database; used instead of SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: tuple[str, ...] = ()
    slack_redirect_uri: str | None = None
    port: int = 3000
    # The bot's public address: agenda pages and calendar feeds are linked under it, and the web server
    # starts (on PORT) even without Slack's HTTP mode.
    public_url: str | None = None
    # Seconds a scheduler lease lasts (renewed every third of it): how soon a standby process takes over sending
    # reminders after the leader died.
    scheduler_lease_seconds: int = 30
    # Scheduled backups (by the scheduler's lease holder): a folder, how many copies to keep, how often.
    backup_dir: str | None = None
    backup_keep: int = 14
    backup_every_hours: int = 6
    # Tests and rehearsals: a file holding a number of seconds the bot's clock runs ahead of the system's (read
    # whenever it changes), so a whole week of reminders can be rehearsed in seconds. Unset in production.
    clock_offset_file: str | None = None
    # Matrix
    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_password: str | None = None
    matrix_access_token: str | None = None
    matrix_allowed_servers: tuple[str, ...] = ()

    @property
    def slack_oauth(self) -> bool:
        """Installed per workspace through the OAuth flow (several organisations), not one bot token."""
        return bool(self.slack_client_id)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token) or self.slack_oauth

    @property
    def slack_http(self) -> bool:
        """Slack over signed HTTP (not Socket Mode): Slack posts to our web server."""
        return self.slack_enabled and not self.slack_app_token

    @property
    def web_enabled(self) -> bool:
        """The web server runs for Slack's HTTP mode, and for the agenda pages and feeds."""
        return self.slack_http or bool(self.public_url)

    @property
    def matrix_enabled(self) -> bool:
        return bool(self.matrix_homeserver)

    @classmethod
    def from_env(cls, env: dict | None = None, *, dotenv: bool = True) -> "Settings":
        if env is None:
            if dotenv:
                load_dotenv(os.environ.get("CONVENE_ENV_FILE", ".env"), override=False)
            env = dict(os.environ)
        get = lambda k: (env.get(k) or "").strip() or None  # noqa: E731
        s = cls(
            db_path=get("CONVENE_DB") or "convene.db",
            log_level=(get("CONVENE_LOG_LEVEL") or "INFO").upper(),
            log_format=(get("CONVENE_LOG_FORMAT") or "text").lower(),
            default_timezone=get("CONVENE_TIMEZONE") or "Europe/Zurich",
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=get("SLACK_API_URL"),
            slack_client_id=get("SLACK_CLIENT_ID"),
            slack_client_secret=get("SLACK_CLIENT_SECRET"),
            slack_scopes=tuple(x.strip() for x in (get("SLACK_SCOPES") or "").split(",") if x.strip()),
            slack_redirect_uri=get("SLACK_REDIRECT_URI"),
            port=_int(env, "PORT", 3000),
            public_url=(get("CONVENE_PUBLIC_URL") or "").rstrip("/") or None,
            scheduler_lease_seconds=_int(env, "CONVENE_SCHEDULER_LEASE_SECONDS", 30),
            backup_dir=get("CONVENE_BACKUP_DIR"),
            backup_keep=_int(env, "CONVENE_BACKUP_KEEP", 14),
            backup_every_hours=_int(env, "CONVENE_BACKUP_EVERY_HOURS", 6),
            clock_offset_file=get("CONVENE_TEST_CLOCK_FILE"),
            matrix_homeserver=get("MATRIX_HOMESERVER"),
            matrix_user_id=get("MATRIX_USER_ID"),
            matrix_password=get("MATRIX_PASSWORD"),
            matrix_access_token=get("MATRIX_ACCESS_TOKEN"),
            matrix_allowed_servers=tuple(x.strip() for x in (get("MATRIX_ALLOWED_SERVERS") or "").split(",")
                                         if x.strip()),
        )
        s.validate()
        return s

    def validate(self) -> None:
        """A partial chat configuration is a start-up error, never a silent fallback to the console."""
        if self.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ConfigError(f"CONVENE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {self.log_level!r}")
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"CONVENE_LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.slack_client_secret and not self.slack_client_id:
            raise ConfigError("SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not: set both (Basic Information → "
                              "App Credentials) to install Convene in several workspaces, or remove it")
        if self.slack_oauth:
            if self.slack_bot_token:
                raise ConfigError("SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set: use SLACK_BOT_TOKEN for one "
                                  "workspace, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for installs in several "
                                  "(each workspace's token then comes from its installation), not both")
            if not self.slack_client_secret or not self.slack_signing_secret:
                raise ConfigError("SLACK_CLIENT_ID is set: SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET are needed "
                                  "too (Basic Information → App Credentials)")
            if self.slack_app_token:
                raise ConfigError("installs in several workspaces (SLACK_CLIENT_ID) run in HTTP mode: remove "
                                  "SLACK_APP_TOKEN, and point the app's Request URLs at https://YOUR-HOST/slack/events")
            if self.db_path == ":memory:":
                raise ConfigError("installs in several workspaces keep their tokens in the database: CONVENE_DB "
                                  "must be a file")
            if self.slack_redirect_uri and not self.slack_redirect_uri.startswith(("https://", "http://")):
                raise ConfigError("SLACK_REDIRECT_URI must be a full URL such as "
                                  "https://convene.example.org/slack/oauth_redirect")
        elif self.slack_enabled:
            if not self.slack_app_token and not self.slack_signing_secret:
                raise ConfigError("SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: HTTP mode needs the "
                                  "signing secret (or set SLACK_APP_TOKEN for Socket Mode)")
            if not self.slack_bot_token.startswith("xoxb-"):
                raise ConfigError("SLACK_BOT_TOKEN should be the bot token, starting with xoxb-")
            if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
                raise ConfigError("SLACK_APP_TOKEN should be the app-level token, starting with xapp-")
        if self.slack_enabled and self.slack_api_url and not (
                self.slack_api_url.startswith(("http://", "https://")) and self.slack_api_url.endswith("/")):
            raise ConfigError("SLACK_API_URL must be a full base URL ending in /api/, for example https://slack.com/api/")
        if not self.slack_enabled and (self.slack_signing_secret or self.slack_app_token):
            raise ConfigError("SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: "
                              "set the bot token (xoxb-…) too (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for "
                              "installs in several workspaces), or remove the Slack settings")
        if self.matrix_enabled:
            if not self.matrix_homeserver.startswith(("http://", "https://")):
                raise ConfigError("MATRIX_HOMESERVER must be a URL such as https://matrix.example.org")
            if not self.matrix_user_id:
                raise ConfigError("MATRIX_HOMESERVER is set but MATRIX_USER_ID is not (like @convene:example.org)")
            if not (self.matrix_password or self.matrix_access_token):
                raise ConfigError("MATRIX_HOMESERVER is set but neither MATRIX_PASSWORD nor MATRIX_ACCESS_TOKEN is")
        elif self.matrix_user_id or self.matrix_password or self.matrix_access_token:
            raise ConfigError("Matrix settings are present but MATRIX_HOMESERVER is not: set it, or remove them")
        if self.public_url is not None:
            from urllib.parse import urlsplit
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise ConfigError("CONVENE_PUBLIC_URL must be the bot's public base URL, such as "
                                  f"https://convene.example.org, not {self.public_url!r}")
        if self.backup_keep < 1 or not 1 <= self.backup_every_hours <= 24 * 7:
            raise ConfigError("CONVENE_BACKUP_KEEP must be at least 1 and CONVENE_BACKUP_EVERY_HOURS between 1 and 168")
        if not 3 <= self.scheduler_lease_seconds <= 3600:
            raise ConfigError("CONVENE_SCHEDULER_LEASE_SECONDS must be between 3 and 3600, "
                              f"not {self.scheduler_lease_seconds}")
        if not 0 < self.port < 65536:
            raise ConfigError(f"PORT must be between 1 and 65535, not {self.port}")
