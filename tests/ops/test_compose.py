"""The production deployment as written: docker-compose.yml, the Dockerfile and .env.example agree with each other
and with what the app reads. (No container engine runs here, so the files are checked, not run.)"""

import re
from pathlib import Path

import yaml

from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
LONG_RUNNING = ("postgres", "minio", "temporal", "temporal-ui", "api", "worker")
ONE_SHOT = ("temporal-schema", "temporal-namespace", "migrate")


def test_every_service_is_there():
    assert set(SERVICES) == set(LONG_RUNNING) | set(ONE_SHOT)


def test_images_are_official_and_pinned():
    for name, service in SERVICES.items():
        image = service.get("image", "")
        if "build" in service:
            assert service["build"] == "." and image.startswith("mineflow:"), name
            continue
        repo, _, tag = image.partition(":")
        assert tag and tag != "latest" and re.match(r"\d|RELEASE\.\d{4}-", tag), f"{name}: {image} is not pinned"
        assert repo in ("postgres", "temporalio/server", "temporalio/admin-tools", "temporalio/ui",
                        "minio/minio"), image
    server = SERVICES["temporal"]["image"].split(":")[1]
    assert SERVICES["temporal-schema"]["image"].split(":")[1] == server  # schema from the same release


def test_long_running_services_have_healthchecks_and_restart_policies():
    for name in LONG_RUNNING:
        service = SERVICES[name]
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name
    for name in ONE_SHOT:
        assert SERVICES[name]["restart"].startswith("on-failure"), name


def test_start_order_follows_health_and_completed_one_shots():
    assert SERVICES["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    for name in ("api", "worker"):
        needs = SERVICES[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["temporal-namespace"]["condition"] == "service_completed_successfully"
        assert needs["minio"]["condition"] == "service_healthy"


def test_data_lives_in_named_volumes():
    assert "pgdata" in COMPOSE["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "miniodata:/data" in SERVICES["minio"]["volumes"]


def test_the_containers_run_the_commands_the_tests_run():
    """`mineflow api`, `mineflow worker`, `mineflow migrate`: the CLI commands exercised by the test suite."""
    assert SERVICES["api"]["command"][:2] == ["mineflow", "api"]
    assert SERVICES["worker"]["command"] == ["mineflow", "worker"]
    assert SERVICES["migrate"]["command"] == ["mineflow", "migrate"]
    from cli.main import app

    commands = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert {"api", "worker", "migrate"} <= commands


def test_the_app_gets_production_mode_a_database_and_temporal():
    for name in ("api", "worker", "migrate"):
        env = SERVICES[name]["environment"]
        assert env["MINEFLOW_MODE"] == "production"
        assert env["MINEFLOW_DATABASE_URL"].startswith("postgresql://")
        assert env["MINEFLOW_TEMPORAL_ADDRESS"] == "temporal:7233"
        assert SERVICES[name]["env_file"] == ".env"
        assert env["MINEFLOW_FILE_STORE"] == "s3" and env["MINEFLOW_S3_ENDPOINT"] == "minio:9000"
        # production refuses to start without it (settings.py): compose says so before any container starts
        assert env["MINEFLOW_PUBLIC_BASE_URL"].startswith("${MINEFLOW_PUBLIC_BASE_URL:?")


def test_every_setting_and_every_compose_variable_is_documented_in_env_example():
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, re.MULTILINE))
    for field in Settings.model_fields:
        assert f"MINEFLOW_{field.upper()}" in documented, f"MINEFLOW_{field.upper()} missing from .env.example"
    compose_text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for variable in set(re.findall(r"\$\{([A-Z_]+)", compose_text)):
        assert variable in documented, f"{variable} used by docker-compose.yml but not in .env.example"


def test_required_secrets_are_uncommented_in_env_example():
    required = {"POSTGRES_USER", "POSTGRES_PASSWORD", "MINEFLOW_JWT_SECRET", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
                "MINEFLOW_PUBLIC_BASE_URL"}
    active = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, re.MULTILINE))
    assert required <= active
    # and the example secret itself would be refused in production only if left short: it is long enough to be
    # accepted, so it must be one an operator is told to change
    assert "change-me" in re.search(r"^MINEFLOW_JWT_SECRET=(.*)$", ENV_EXAMPLE, re.MULTILINE).group(1)


def test_the_image_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^USER mineflow$", dockerfile, re.MULTILINE)
    assert "python:3.11-slim" in dockerfile
    for path in ("deploy/temporal/setup-schema.sh", "deploy/temporal/create-namespace.sh",
                 "deploy/temporal/dynamicconfig.yaml"):
        assert (ROOT / path).exists(), path
