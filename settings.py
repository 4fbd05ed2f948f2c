"""One `Settings` for every process, read from the environment (prefix `MINEFLOW_`, plus `DATABASE_URL`)."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "mineflow-dev-secret-change-me-in-production"


class Mode(StrEnum):
    DEV = "dev"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MINEFLOW_", env_file=".env", extra="ignore")

    mode: Mode = Mode.DEV
    var_dir: Path = Path("var")
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/mineflow.db",
        validation_alias=AliasChoices("MINEFLOW_DATABASE_URL", "DATABASE_URL"),
    )
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    # Task queues are `<task_queue>-<family>` (worker.py family_workflows): one per procedure family.
    task_queue: str = "mineflow"
    jwt_secret: str = DEV_JWT_SECRET
    jwt_ttl_minutes: int = 8 * 60
    holiday_file: Path | None = None
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    log_level: str = "INFO"
    log_json: bool = False
    # How long the API waits for a workflow to accept and apply an action before answering 503 TIMEOUT.
    update_timeout_seconds: float = 30.0
    # How long the API's Temporal client retries a case that answers "Workflow is busy" (RESOURCE_EXHAUSTED: too
    # many updates in flight on one workflow) before answering 503 CASE_BUSY with Retry-After (engine.py).
    busy_retry_seconds: float = 3.0
    # A batch start (治理整顿: 批量启动) starts this many cases at a time.
    batch_start_concurrency: int = 16
    # Phase timers for the bench's per-action breakdown (timings.py): off by default, and free when off.
    timings: bool = False
    timings_dir: Path | None = None
    seed_demo: bool = True
    # Login throttling (api/login.py).
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 30
    login_lock_minutes: int = 15
    # Browser origins allowed to call the API cross-site; none by default (the console is same-origin).
    cors_origins: list[str] = Field(default_factory=list)
    # Prometheus: the API serves /metrics; the worker's Temporal runtime serves its own on this address when set.
    metrics_enabled: bool = True
    worker_metrics_address: str | None = None
    # Notifications (activities/notify.py): log (default), webhook (HMAC-signed POST) or smtp.
    notifier: Literal["log", "webhook", "smtp"] = "log"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "mineflow@localhost"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    notification_poll_seconds: float = 5.0
    notification_max_attempts: int = 6
    # Case runs a worker keeps in memory (~0.25 MB each, measured; evicted ones replay their history when touched).
    worker_max_cached_workflows: int = 500
    # Tasks one worker takes on at once, per task queue. Taken beyond what its one Python thread finishes in time,
    # they queue inside the worker, where their timeouts run (a workflow task's is 10 s); each one timed out is
    # retried from the top and Temporal refuses the case's updates meanwhile ("Workflow Task in failed state"):
    # congestion collapse under a burst (the 500-case soak). Tasks not yet taken wait in Temporal, where none runs.
    worker_workflow_slots: int = Field(default=8, ge=1)
    worker_activity_slots: int = Field(default=8, ge=1)
    # PDF render processes per worker process (documents/issue.py): CPU-bound, ≈ 0.3 s a document, at a lower
    # priority than the worker itself.
    document_render_processes: int = Field(default=1, ge=1)
    # SQLite only: how long a writer waits for the lock before the statement fails (and its activity retries).
    sqlite_busy_timeout_ms: int = 30_000
    # Overrides of each procedure's defaults (its deadlines and periods), by the procedure's code, as JSON, e.g.
    # MINEFLOW_POLICIES='{"reopening": {"expert_panel_size": 5}, "grant": {"publicity_working_days": 10},
    # "closure": {"publicity_working_days": 7, "power_cut": 3}}' (a closure step's name: its working days). Each
    # case keeps the policy it started with. The older per-procedure variables below still work.
    policies: dict[str, dict[str, Any]] = Field(default_factory=dict)
    reopening_policy: dict[str, int | str] = Field(default_factory=dict)
    rectification_policy: dict[str, int] = Field(default_factory=dict)
    closure_policy: dict[str, int] = Field(default_factory=dict)
    # Mining rights (domain/rights.py), per province, as JSON: who issues a right by mineral and scale
    # (`[{"minerals": ["建筑用砂"], "scales": ["small"], "level": "county"}, {"level": "city"}]`, first match wins),
    # and overrides of the transfer and 招拍挂 periods (e.g. `{"publicity_working_days": 10}`).
    rights_authority_rules: list[dict[str, Any]] = Field(default_factory=list)
    transfer_periods: dict[str, int] = Field(default_factory=dict)
    grant_periods: dict[str, int] = Field(default_factory=dict)
    # Files (storage/): uploaded materials and generated documents, content-addressed by SHA-256. `local` keeps them
    # under `files_dir` (default `<var_dir>/files`); `s3` in a bucket of an S3-compatible store (MinIO in compose).
    file_store: Literal["local", "s3"] = "local"
    files_dir: Path | None = None
    file_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    # The public verification page's upload (POST /verify/<code>), anonymous: an issued document is a few hundred KB.
    verify_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    s3_endpoint: str | None = None  # host:port, e.g. minio:9000
    s3_bucket: str = "mineflow-files"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    # Where the public verification page of a generated document is reached (the QR code's address); default: the
    # API's own host and port — outside production only: a production process refuses to start without it.
    public_base_url: str | None = None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept plain `postgresql://` / `sqlite:///` URLs and pick the async drivers we ship."""
        for plain, driver in (("postgresql://", "postgresql+psycopg://"), ("postgres://", "postgresql+psycopg://"),
                              ("sqlite:///", "sqlite+aiosqlite:///")):
            if url.startswith(plain):
                return driver + url[len(plain):]
        return url

    @model_validator(mode="after")
    def _no_insecure_defaults_in_production(self) -> "Settings":
        if self.mode is Mode.PRODUCTION:
            if self.jwt_secret == DEV_JWT_SECRET or len(self.jwt_secret) < 32:
                raise ValueError("MINEFLOW_JWT_SECRET must be set to a random value of 32+ characters in production")
            if self.notifier == "webhook" and (not self.webhook_url or len(self.webhook_secret or "") < 32):
                raise ValueError("the webhook notifier needs MINEFLOW_WEBHOOK_URL and a 32+ character "
                                 "MINEFLOW_WEBHOOK_SECRET")
            public = urlparse((self.public_base_url or "").strip())
            if public.scheme not in ("https", "http") or not public.netloc:
                raise ValueError("MINEFLOW_PUBLIC_BASE_URL must be set in production to the public address of the API "
                                 "(e.g. https://mineflow.example.gov.cn): documents print it in their QR codes, "
                                 "and the default http://<api host>:<api port> is unreachable to whoever holds one")
            self.seed_demo = False
        if self.file_store == "s3" and not (self.s3_endpoint and self.s3_access_key and self.s3_secret_key):
            raise ValueError("the s3 file store needs MINEFLOW_S3_ENDPOINT, MINEFLOW_S3_ACCESS_KEY and "
                             "MINEFLOW_S3_SECRET_KEY")
        return self

    def policy_overrides(self, kind: str) -> dict[str, Any]:
        """A procedure's overrides: MINEFLOW_POLICIES[kind] over its older variable (MINEFLOW_<KIND>_POLICY, and
        MINEFLOW_TRANSFER_PERIODS / MINEFLOW_GRANT_PERIODS for the mining rights)."""
        older = getattr(self, f"{kind}_policy", None) or getattr(self, f"{kind}_periods", None) or {}
        return {**older, **self.policies.get(kind, {})}

    @property
    def files_path(self) -> Path:
        """The local file store's folder."""
        return self.files_dir or self.var_dir / "files"

    @property
    def verification_base_url(self) -> str:
        return ((self.public_base_url or "").strip() or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    @property
    def sync_database_url(self) -> str:
        """The same database through a synchronous driver (Alembic)."""
        return self.database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")


@lru_cache
def get_settings() -> Settings:
    return Settings()
