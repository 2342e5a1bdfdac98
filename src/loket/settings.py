"""Typed settings, read once from `LOKET_*` environment variables and passed in (docs/settings.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from loket.domain.booking import BookingPolicy


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
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Server log level.")
    secret_key: str = Field(
        "dev-insecure-change-me",
        description="Secret for signing cookies and tokens; set a long random value in production.",
    )
    holiday_country: str = Field(
        "ID", description="Country whose national holidays and cuti bersama the calendar uses."
    )
    hold_minutes: int = Field(
        120,
        ge=1,
        le=24 * 60,
        description="Minutes an unpaid booking holds its place (never past the end of the day before).",
    )
    booking_window_days: int = Field(30, ge=1, le=366, description="How many days ahead applicants may book.")
    max_people_per_contact: int = Field(
        5, ge=1, le=50, description="People one phone number or e-mail address may hold bookings for."
    )
    admin_token: str = Field(
        "",
        description="Bearer token for supervisor API calls (quota changes) until staff accounts exist; "
        "empty disables those calls.",
    )
    worker_interval_s: float = Field(
        15.0, gt=0, le=3600, description="Seconds between `loket worker` rounds (expiry sweep, opening days)."
    )
    catalog_ttl_s: float = Field(
        2.0,
        ge=0,
        le=300,
        description="Seconds a server process caches office data (sessions, calendar, fees).",
    )
    load_demo_on_empty: bool = Field(
        True, description="`make run`: load the demo offices when the database has no office."
    )


def booking_policy(settings: Settings) -> BookingPolicy:
    """The booking rules these settings set."""
    return BookingPolicy(
        hold_minutes=settings.hold_minutes,
        window_days=settings.booking_window_days,
        max_people_per_contact=settings.max_people_per_contact,
    )


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
