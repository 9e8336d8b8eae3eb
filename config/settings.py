"""All configuration: environment variables with the POLICYBOT_ prefix, also read from .env."""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# seeds/ sits next to config/ both in a checkout and in an installed wheel (site-packages/seeds,
# shipped as package data): the bundled corpus is found from any working directory.
BUNDLED_CORPUS = PROJECT_ROOT / "seeds"
LEXICON_DIR = Path(__file__).resolve().parent / "data"


def default_data_dir() -> Path:
    """data/ in a source checkout; the user's data directory when installed as a package."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / "data"
    # An installed package: never write into site-packages (often read-only, shared by users).
    xdg = os.environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "policybot"


TELEGRAM_API = "https://api.telegram.org"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(SystemExit):
    """A bad setting: carries one line naming the variable."""


class Settings(BaseSettings):
    """Policybot settings; names and defaults are a contract (README, "Settings")."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_base_url: str = TELEGRAM_API
    corpus_dir: Path = BUNDLED_CORPUS
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""  # an SQLite path or postgresql://…; empty: data_dir/policybot.sqlite3
    timezone: str = "Asia/Shanghai"
    digest_time: time = time(8, 30)
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout: float = Field(default=20.0, gt=0, le=600)
    llm_stream: bool = False
    llm_rewrite: bool = True
    embed_base_url: str | None = None
    embed_api_key: SecretStr | None = None
    embed_model: str = "bge-m3"
    max_upload_mb: float = Field(default=20.0, gt=0, le=2000)
    # Webhook mode (`serve --webhook`) and the /healthz and /metrics port (README, "Webhook").
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # Replicas share one webhook: one that stops must not delete it under the others.
    webhook_keep_on_stop: bool = False
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # At SIGTERM, how long updates already taken from Telegram may take to be answered.
    drain_timeout: float = Field(default=10.0, ge=0, le=600)
    # serve's log level; routine lines (each update, each check) are DEBUG.
    log_level: str = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"未知时区 {value!r}") from exc
        return value

    @field_validator("digest_time", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        if isinstance(value, str) and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError(f"应为 HH:MM，收到 {value!r}")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not all(re.fullmatch(r"-?\d+", p) for p in parts):
                raise ValueError(f"应为逗号分隔的数字 ID，收到 {value!r}")
            return tuple(int(p) for p in parts)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token: 1–256 characters A–Z, a–z, 0–9, _ and -.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("应为 1–256 个字母、数字、_ 或 -")
        return value

    @field_validator("telegram_base_url", "llm_base_url", "embed_base_url", "webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None if value == "" else value
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"应为 http(s):// 开头的地址，收到 {value!r}")
        return value.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _level_name(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"应为 {'、'.join(LOG_LEVELS)} 之一，收到 {value!r}")
        return level

    @field_validator("embed_model")
    @classmethod
    def _model_name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("模型名不能为空")
        return value.strip()

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value exits with one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:  # a .env saved in GBK or with a stray byte
        raise SettingsError(
            f"配置错误：.env 不是 UTF-8 编码（第 {exc.start} 字节附近）；请另存为 UTF-8"
        ) from None
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "POLICYBOT_" + str(error["loc"][0]).upper() if error["loc"] else "POLICYBOT_*"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"配置错误：{name} — {message}") from None
