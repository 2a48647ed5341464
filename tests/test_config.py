"""Configuration precedence and the app factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from recruit import create_app
from recruit.config import load_config


def test_defaults_then_environment_then_mapping() -> None:
    environ = {"RECRUIT_PAGE_SIZE": "25", "RECRUIT_BASE_URL": "https://env.example", "OTHER": "x"}
    settings = load_config({"BASE_URL": "https://mapping.example"}, environ=environ)
    assert settings["PAGE_SIZE"] == 25  # coerced to the default's type
    assert settings["BASE_URL"] == "https://mapping.example"  # the mapping wins
    assert settings["RESET_TOKEN_MINUTES"] == 30  # untouched default
    assert "OTHER" not in settings


def test_boolean_environment_values() -> None:
    assert load_config(environ={"RECRUIT_LOG_JSON": "true"})["LOG_JSON"] is True
    assert load_config(environ={"RECRUIT_LOG_JSON": "0"})["LOG_JSON"] is False


def test_each_app_gets_its_own_config(tmp_path: Path) -> None:
    first = create_app({"INSTANCE_PATH": str(tmp_path / "a"), "PAGE_SIZE": 3})
    second = create_app({"INSTANCE_PATH": str(tmp_path / "b")})
    assert first.config["PAGE_SIZE"] == 3
    assert second.config["PAGE_SIZE"] == 10
    assert first.config["SQLALCHEMY_DATABASE_URI"].endswith("a/recruit.sqlite3")


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="RECRUIT_SECRET_KEY"):
        create_app({"ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_production_cookies_are_secure(tmp_path: Path) -> None:
    app = create_app(
        {
            "ENV": "production",
            "SECRET_KEY": "x" * 32,
            "MONITORING_KEY": "y" * 32,
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
