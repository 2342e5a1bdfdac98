"""Typed settings, read once from `LOKET_*` environment variables and passed in (docs/settings.md)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from loket.domain.booking import BookingPolicy
from loket.domain.calling import FloorPolicy
from loket.domain.ratelimit import DEFAULT_RULES

# The published default: anyone can sign a cookie with it, so `loket serve` refuses it (issue 21).
DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - the known value we refuse
MIN_SECRET_CHARS = 32


class Settings(BaseSettings):
    """Every knob of a deployment. Office data (quotas, holidays, fees) lives in the database."""

    model_config = SettingsConfigDict(env_prefix="LOKET_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///./loket.db",
        description="Database URL: sqlite:///PATH (embedded) or postgresql+psycopg://USER@HOST:PORT/DB.",
    )
    booking_path: Literal["statement", "portable"] = Field(
        "statement",
        description="How PostgreSQL takes a place: one prepared statement, or the portable separate "
        "statements in one transaction (what a Citus cluster can route).",
    )
    database_pool_size: int = Field(
        20, ge=1, le=500, description="PostgreSQL connections kept open per server process."
    )
    database_connect_timeout_s: float = Field(
        5.0, gt=0, le=300, description="PostgreSQL: seconds to connect or to wait for a pooled connection."
    )
    database_statement_timeout_s: float = Field(
        30.0, gt=0, le=3600, description="PostgreSQL: seconds a statement may run before it is cancelled."
    )
    database_replica_url: str = Field(
        "",
        description="PostgreSQL streaming replica for reads that may lag a little (availability, the "
        "board snapshot, reports); empty: every read on the primary.",
    )
    replica_max_lag_s: float = Field(
        5.0,
        gt=0,
        le=3600,
        description="Seconds the replica may be behind the primary; more (or unreachable): the primary.",
    )
    host: str = Field("127.0.0.1", description="Address `loket serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `loket serve` listens on.")
    workers: int = Field(1, ge=1, le=64, description="Server processes `loket serve` starts.")
    default_locale: Literal["id", "en"] = Field(
        "id", description="Language used when the request does not ask for one."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Server log level.")
    secret_key: str = Field(
        DEFAULT_SECRET_KEY,
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
    worker_interval_s: float = Field(
        15.0, gt=0, le=3600, description="Seconds between `loket worker` rounds (expiry sweep, opening days)."
    )
    catalog_ttl_s: float = Field(
        2.0,
        ge=0,
        le=300,
        description="Seconds a server process caches office data (calendar, fees, open days).",
    )
    staff_session_cache_s: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="Seconds a server process trusts a staff session it looked up, only while it hears "
        "every sign-out and role change through Redis (LOKET_REDIS_URL); without Redis, or 0, every "
        "request looks its session up.",
    )
    load_demo_on_empty: bool = Field(
        True, description="`make run`: load the demo offices when the database has no office."
    )
    # --- The applicant's side (issue 5): waiting list and notifications ---------------------
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL applicants reach the server at (links in messages)."
    )
    waitlist_offer_minutes: int = Field(
        30,
        ge=1,
        le=24 * 60,
        description="Minutes a freed place is kept for the waiting-list applicant offered it.",
    )
    notify_smtp_host: str = Field("", description="SMTP server for e-mail; empty disables e-mail.")
    notify_smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    notify_smtp_tls: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="SMTP transport security: starttls, tls (implicit) or none."
    )
    notify_smtp_user: str = Field("", description="SMTP user name; empty sends without logging in.")
    notify_smtp_password: str = Field("", description="SMTP password.")
    notify_email_from: str = Field("Loket <noreply@loket.invalid>", description="Sender of e-mails.")
    notify_gateway_url: str = Field(
        "", description="URL of the SMS/WhatsApp gateway (JSON POST); empty disables phone messages."
    )
    notify_gateway_secret: str = Field(
        "", description="Secret for the HMAC-SHA256 signature of gateway requests."
    )
    notify_gateway_channel: Literal["whatsapp", "sms"] = Field(
        "whatsapp", description="What the gateway sends phone messages as: whatsapp or sms."
    )
    notify_max_attempts: int = Field(
        8, ge=1, le=100, description="Attempts before a message is marked failed."
    )
    notify_backoff_s: float = Field(
        30.0, gt=0, le=86400, description="Seconds before the first retry; doubled after each failure."
    )
    notify_backoff_max_s: float = Field(
        3600.0, gt=0, le=86400 * 7, description="Longest wait between retries."
    )
    notify_lease_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="Seconds a worker holds a message it is sending before another may retry it.",
    )
    notify_batch: int = Field(50, ge=1, le=10_000, description="Messages a worker claims at a time.")
    notify_deadline_near_minutes: int = Field(
        30,
        ge=1,
        le=24 * 60,
        description="Minutes before the payment deadline when an unpaid booking is reminded.",
    )
    # --- Office floor (issue 4) ---
    staff_session_hours: float = Field(
        12.0, gt=0, le=24 * 14, description="Hours a staff sign-in lasts before signing in again."
    )
    cookie_secure: bool = Field(
        False, description="Mark the staff session cookie Secure (HTTPS only); set true in production."
    )
    checkin_early_minutes: int = Field(
        60, ge=0, le=24 * 60, description="Minutes before its session starts that a booking may check in."
    )
    checkin_late_minutes: int = Field(
        60, ge=0, le=24 * 60, description="Minutes after its session ends that a booking may still check in."
    )
    late_grace_minutes: int = Field(
        15,
        ge=0,
        le=240,
        description="Minutes after the session start within which an arrival counts as on time.",
    )
    no_show_after_recalls: int = Field(
        2, ge=0, le=20, description="Recalls after the first call before an officer may mark a no-show."
    )
    sla_working_days: dict[str, int] = Field(
        default_factory=lambda: {"regular": 4, "electronic": 4},
        description="Working days from a complete dossier to a printed passport, per product "
        '(JSON, e.g. {"regular": 4, "electronic": 4}); express is the same day.',
    )
    notify_next_in_people: int = Field(
        3,
        ge=0,
        le=100,
        description="People before an applicant in the intake queue when they are told their turn is "
        "near (SMS/WhatsApp and e-mail); 0: never.",
    )
    board_poll_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Seconds between display-board checks for calls made by other server processes.",
    )
    kiosk_reset_s: int = Field(
        15,
        ge=3,
        le=300,
        description="Seconds a kiosk shows the issued ticket before it resets itself for the next person.",
    )
    # --- Planning (issue 6) ---
    planning_service_minutes: dict[str, float] = Field(
        default_factory=lambda: {"intake": 6.0, "biometrics": 9.6, "approval": 2.5},
        description="Default mean service minutes per stage for planning, used until enough measured "
        'times exist (JSON, e.g. {"intake": 6.0, "biometrics": 9.6, "approval": 2.5}).',
    )
    planning_min_samples: int = Field(
        30, ge=2, le=100_000, description="Measured service times a stage needs before planning uses them."
    )
    planning_measure_days: int = Field(
        90, ge=1, le=3660, description="Days of measured service times (office floor) that planning reads."
    )
    planning_web_replications: int = Field(
        60, ge=1, le=2000, description="Most simulation replications one planning page request may run."
    )
    planning_chart_days: int = Field(
        120,
        ge=7,
        le=3660,
        description="Days of history the planning page's forecast chart shows before the forecast.",
    )
    # --- Fair allocation and security (issue 7, docs/security.md) ---
    max_bookings_per_address: int = Field(
        50,
        ge=0,
        le=100_000,
        description="Active bookings (and ballot entries per day) one network address may hold; "
        "IPv6 counts per /64; 0: no limit.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For is believed (JSON list).",
    )
    rate_limit: bool = Field(
        True, description="Rate-limit booking, ballot entry, look-ups and sign-in (off: benchmarks)."
    )
    rate_limits: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_RULES),
        description="Requests allowed per rule as COUNT/SECONDS (JSON); rules not named keep their default.",
    )
    login_max_failures: int = Field(
        5,
        ge=1,
        le=100,
        description="Failed sign-ins in a row of a username from one address before each attempt waits.",
    )
    login_lockout_minutes: int = Field(
        15, ge=1, le=24 * 60, description="The longest delay (minutes) between attempts after many failures."
    )
    retention_days: int = Field(
        730,
        ge=0,
        le=36_500,
        description="Days after the appointment that an application's personal data is kept; then the "
        "worker purges it (statistics stay); 0: keep.",
    )
    # --- Documents before the visit (issue 20, docs/security.md) ---
    documents_dir: str = Field(
        "./documents",
        description="Directory of the documents applicants upload (one folder per office, files named "
        "by their SHA-256); only the server's user may read it.",
    )
    documents_max_file_bytes: int = Field(
        5 * 1024 * 1024,
        ge=16 * 1024,
        le=100 * 1024 * 1024,
        description="Largest document file an applicant may upload (bytes); larger: refused (413).",
    )
    documents_max_uploads: int = Field(
        30, ge=1, le=1000, description="Files one booking may upload in all, replaced ones included."
    )
    # --- Several processes and hosts (issue 18, docs/operations.md) ---
    redis_url: str = Field(
        "",
        description="Redis shared by every server process (redis://HOST:PORT/DB): rate limits and the "
        "change fan-out; empty: each process on its own.",
    )
    redis_prefix: str = Field(
        "loket:", description="Prefix of every Redis key and channel (one per deployment sharing a Redis)."
    )
    redis_timeout_s: float = Field(
        0.25, gt=0, le=10, description="Seconds a Redis call may take before the process falls back."
    )
    # --- Reports (issue 8) ---
    report_max_days: int = Field(
        366, ge=1, le=3660, description="Longest period (days) one service or revenue report may cover."
    )
    survey_valid_days: int = Field(
        30, ge=1, le=366, description="Days a satisfaction-survey link sent after collection stays valid."
    )
    billing_provider: Literal["local", "http"] = Field(
        "local",
        description="Who issues billing codes: `local` (Loket makes them; demo) or `http` (billing service).",
    )
    billing_url: str = Field("", description="Base URL of the billing service (`billing_provider=http`).")
    billing_secret: str = Field(
        "", description="Shared secret signing requests to the billing service and its payment notifications."
    )
    billing_timeout_s: float = Field(
        3.0,
        gt=0,
        le=60,
        description="Seconds a request to the billing service may take before it is retried later.",
    )
    billing_backoff_max_s: float = Field(
        300.0,
        gt=0,
        le=86_400,
        description="Longest wait between two attempts to fetch an awaited billing code.",
    )
    # --- Hardening (issue 21): limits on what a request may send ---
    max_body_bytes: int = Field(
        1_048_576, ge=1024, le=1 << 30, description="Largest request body accepted (bytes); larger: 413."
    )
    max_json_depth: int = Field(
        32, ge=2, le=1000, description="Deepest nesting of arrays and objects a JSON body may have."
    )
    max_json_items: int = Field(
        10_000, ge=10, le=10_000_000, description="Most values (members and elements) a JSON body may hold."
    )
    max_header_bytes: int = Field(
        16_384, ge=1024, le=1 << 20, description="`loket serve`: largest request head (line and headers)."
    )
    secret_key_file: str = Field(
        "",
        description="File holding the secret key, read when LOKET_SECRET_KEY is not set; only its "
        "owner may read it (`make run` makes one).",
    )
    verify_contact: bool = Field(
        True,
        description="A new booking is pending until its contact enters a one-time code sent by SMS/"
        "WhatsApp or e-mail; only then does it hold its NIK and get its billing code (NIK squatting, "
        "docs/security.md). Needs a message channel; `make run` (the demo) turns it off.",
    )
    demo: bool = Field(False, description="A demonstration server: the default secret key is allowed.")
    audit_key: str = Field(
        "",
        description="Secret the audit entries' MAC key is derived from; empty: the secret key. The same "
        "in every process of a deployment, never stored in the database.",
    )
    header_timeout_s: float = Field(
        10.0, gt=0, le=300, description="`loket serve`: seconds a client may take to send a request's head."
    )
    office_node: bool = Field(
        False, description="Serve as an office node: the floor on this database, synced with the centre."
    )
    node_central_url: str = Field("", description="Office node: base URL of the central server.")
    node_office: str = Field("", description="Office node: the code of the office it serves.")
    node_token: str = Field("", description="Office node: its token (`loket node register` at the centre).")
    node_sync_interval_s: float = Field(
        15.0, gt=0, le=3600, description="Office node: seconds between rounds of upload and pull."
    )
    node_offline_after_s: float = Field(
        60.0, gt=0, le=86_400, description="Centre: seconds without contact before a node counts as offline."
    )


def booking_policy(settings: Settings) -> BookingPolicy:
    """The booking rules these settings set."""
    return BookingPolicy(
        hold_minutes=settings.hold_minutes,
        window_days=settings.booking_window_days,
        max_people_per_contact=settings.max_people_per_contact,
        max_bookings_per_address=settings.max_bookings_per_address,
        verify_contact=settings.verify_contact,
    )


def floor_policy(settings: Settings) -> FloorPolicy:
    """The office-floor rules these settings set."""
    return FloorPolicy(
        checkin_early_minutes=settings.checkin_early_minutes,
        checkin_late_minutes=settings.checkin_late_minutes,
        late_grace_minutes=settings.late_grace_minutes,
        no_show_after_recalls=settings.no_show_after_recalls,
        sla_working_days=tuple(sorted(settings.sla_working_days.items())),
        notify_next_in_people=settings.notify_next_in_people,
    )


class InsecureSecret(ValueError):
    """The server would sign cookies with a key anyone may know."""


def with_secret(settings: Settings) -> Settings:
    """`settings` with the secret key a server may use: LOKET_SECRET_KEY, else the key file.

    Refused (InsecureSecret): the published default outside the demo, a key shorter than 32
    characters, a key file that others than its owner can read."""
    key = settings.secret_key
    if key == DEFAULT_SECRET_KEY and settings.secret_key_file:
        path = Path(settings.secret_key_file)
        try:
            mode = path.stat().st_mode
            key = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InsecureSecret(f"cannot read LOKET_SECRET_KEY_FILE {path}: {exc.strerror}") from exc
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise InsecureSecret(f"{path} may be read by others: chmod 600 {path}")
    if key == DEFAULT_SECRET_KEY:
        if settings.demo:
            return settings
        raise InsecureSecret(
            "LOKET_SECRET_KEY is the published default: set it (or LOKET_SECRET_KEY_FILE) to a long "
            "random value, or LOKET_DEMO=true for a demonstration"
        )
    if len(key) < MIN_SECRET_CHARS:
        raise InsecureSecret(f"LOKET_SECRET_KEY must have at least {MIN_SECRET_CHARS} characters")
    return settings.model_copy(update={"secret_key": key})


def audit_secret(settings: Settings) -> str:
    """What the audit MAC key is derived from: LOKET_AUDIT_KEY, else the secret key (from its file
    when that is how it is given). Lenient: a command that signs no cookie still seals and checks."""
    if settings.audit_key:
        return settings.audit_key
    try:
        return with_secret(settings).secret_key
    except InsecureSecret:
        return settings.secret_key


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)  # type: ignore[arg-type]
