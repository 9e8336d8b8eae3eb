"""Settings are read from POLICYBOT_* and .env; a bad value names its variable in one line."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from config.settings import BUNDLED_CORPUS, SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings()
    assert settings.corpus_dir == BUNDLED_CORPUS
    assert settings.timezone == "Asia/Shanghai"
    assert settings.digest_time == time(8, 30)
    assert settings.llm_base_url is None
    assert settings.embed_base_url is None
    assert settings.embed_model == "bge-m3"
    assert settings.llm_rewrite is True
    assert settings.max_upload_mb == 20


def test_env_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("POLICYBOT_DIGEST_TIME=07:05\nPOLICYBOT_ADMIN_IDS=1,2\n")
    settings = load_settings()
    assert settings.digest_time == time(7, 5)
    assert settings.admin_ids == (1, 2)


def test_an_env_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("POLICYBOT_DIGEST_TIME=07:05\n# 摘要时间\n".encode("gbk"))
    with pytest.raises(SettingsError, match="UTF-8"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POLICYBOT_DIGEST_TIME", "25:00"),
        ("POLICYBOT_TIMEZONE", "Mars/Olympus"),
        ("POLICYBOT_ADMIN_IDS", "alice,bob"),
        ("POLICYBOT_LLM_TIMEOUT", "-3"),
        ("POLICYBOT_LLM_BASE_URL", "ftp://example"),
        ("POLICYBOT_LLM_STREAM", "maybe"),
        ("POLICYBOT_LLM_REWRITE", "sometimes"),
        ("POLICYBOT_EMBED_BASE_URL", "localhost:11434/v1"),
        ("POLICYBOT_EMBED_MODEL", "  "),
        ("POLICYBOT_MAX_UPLOAD_MB", "0"),
        ("POLICYBOT_MAX_UPLOAD_MB", "lots"),
        ("POLICYBOT_WEBHOOK_URL", "bot.example.org/hook"),
        ("POLICYBOT_WEBHOOK_PORT", "70000"),
        ("POLICYBOT_WEBHOOK_SECRET", "has spaces"),  # Telegram refuses such a secret_token
        ("POLICYBOT_METRICS_PORT", "http"),
        ("POLICYBOT_LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert name in message
    assert "\n" not in message


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_TELEGRAM_TOKEN", "123:SECRET")
    settings = load_settings()
    assert "SECRET" not in repr(settings)


def test_webhook_settings_default_to_long_polling_without_a_metrics_port() -> None:
    settings = load_settings()
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.metrics_port is None


def test_webhook_secret_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_WEBHOOK_SECRET", "hook-HIDDEN_1")
    assert "HIDDEN" not in repr(load_settings())


def test_embedding_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_EMBED_BASE_URL", "http://127.0.0.1:11434/v1/")
    monkeypatch.setenv("POLICYBOT_EMBED_API_KEY", "sk-HIDDEN")
    settings = load_settings()
    assert settings.embed_base_url == "http://127.0.0.1:11434/v1"
    assert "HIDDEN" not in repr(settings)


def test_log_level_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().log_level == "INFO"
    monkeypatch.setenv("POLICYBOT_LOG_LEVEL", "warning")
    assert load_settings().log_level == "WARNING"
