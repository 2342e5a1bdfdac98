"""Typed settings, read once from `LOKET_*` environment variables and passed in (docs/settings.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of a deployment. Office data (quotas, holidays, fees) lives in the database."""

    model_config = SettingsConfigDict(env_prefix="LOKET_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///./loket.db",
        description="Database URL: sqlite:///PATH (embedded) or postgresql+psycopg://USER@HOST:PORT/DB.",
    )
    database_pool_size: int = Field(
        20, ge=1, le=500, description="PostgreSQL connections kept open per server process."
    )
    host: str = Field("127.0.0.1", description="Address `loket serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `loket serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Server processes `loket serve` starts.")
    default_locale: Literal["id", "en"] = Field(
        "id", description="Language used when the request does not ask for one."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Server log level."
    )
    secret_key: str = Field(
        "dev-insecure-change-me",
        description="Secret for signing cookies and tokens; set a long random value in production.",
    )
    holiday_country: str = Field(
        "ID", description="Country whose national holidays and cuti bersama the calendar uses."
    )
    load_demo_on_empty: bool = Field(
        True, description="`make run`: load the demo offices when the database has no office."
    )


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
