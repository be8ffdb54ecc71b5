"""The deployment kit parses and agrees with the app: no container engine runs here, so
these read the files as their tools would (and tests/test_cluster.py runs the gunicorn
config for real)."""

from __future__ import annotations

import configparser
import re
import runpy

import pytest
import yaml

from moderator import config
from tests.paths import ROOT

DEPLOY = ROOT / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


@pytest.mark.parametrize(
    "name, command",
    [("moderator.service", "moderator serve"), ("moderator-worker.service", "moderator worker")],
)
def test_the_systemd_units_run_the_right_command_and_restart(name, command):
    unit = _unit(name)
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    assert command in service["ExecStart"] and service["Restart"] == "always"
    assert service["User"] == "moderator" and service["NoNewPrivileges"] == "yes"
    assert service["EnvironmentFile"].lstrip("-") == "/etc/moderator/environment"
    assert "postgresql.service" in unit["Unit"]["After"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_nginx_site_has_tls_the_body_limit_and_the_real_client_address():
    text = (DEPLOY / "nginx" / "moderator.conf").read_text()
    assert text.count("{") == text.count("}")
    assert re.search(r"listen 443 ssl;", text) and re.search(r"ssl_certificate\s+\S+;", text)
    assert re.search(r"return 301 https://\$host\$request_uri;", text)
    limit = re.search(r"client_max_body_size (\d+)m;", text)
    assert int(limit.group(1)) * 1024 * 1024 == config.DEFAULTS["MAX_BODY_BYTES"]
    # Set, not appended: a client's own X-Forwarded-For would otherwise be believed.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in text
    assert "$proxy_add_x_forwarded_for" not in text
    for header in ("X-Forwarded-Proto $scheme", "X-Forwarded-Host $host", "X-Request-Id"):
        assert f"proxy_set_header {header}" in text
    assert re.search(r"location = /metrics \{\s*return 404;", text)
    for line in text.splitlines():
        code = line.split("#")[0].strip()
        assert not code or code.endswith(("{", "}", ";")) or code.startswith("'"), line


def test_the_dockerfile_builds_an_unprivileged_image_that_serves_on_all_addresses():
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    instructions = [line.split()[0] for line in lines]
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "EXPOSE", "HEALTHCHECK", "CMD"}
    assert instructions[0] == "FROM" and set(instructions) <= known
    assert "USER moderator" in lines and "EXPOSE 8000" in lines
    assert any(line.startswith("COPY models") for line in lines)
    cmd = next(line for line in lines if line.startswith("CMD"))
    assert '"serve"' in cmd and '"0.0.0.0"' in cmd
    assert instructions.index("USER") > instructions.index("RUN")


def test_compose_runs_two_app_servers_a_worker_and_postgresql():
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = document["services"]
    assert set(services) == {"postgres", "app1", "app2", "worker"}
    apps = [services[name] for name in ("app1", "app2", "worker")]
    for service in apps:
        env = service["environment"]
        assert env["MODERATOR_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["MODERATOR_SECRET_KEY"]  # the same key on every server
        assert env["MODERATOR_RUN_WORKER_IN_SERVER"] == "false"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["worker"]["command"] == ["moderator", "worker"]
    assert services["app1"]["ports"] != services["app2"]["ports"]
    assert "healthcheck" in services["postgres"]


def test_the_gunicorn_config_gives_what_moderator_serve_does(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    monkeypatch.setenv("MODERATOR_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["wsgi_app"] == "moderator:create_app()"
    assert settings["bind"] == "0.0.0.0:9000" and settings["workers"] == 4
    assert settings["preload_app"] is True and settings["reuse_port"] is True
    for hook in ("post_fork", "post_worker_init", "child_exit"):
        assert callable(settings[hook])
    assert (tmp_path / "metrics").is_dir()


def test_every_setting_the_deploy_files_name_exists():
    named = set()
    for path in [*DEPLOY.rglob("*"), ROOT / "docker-compose.yml", ROOT / "Dockerfile"]:
        if path.is_file():
            named |= set(re.findall(r"MODERATOR_([A-Z_]+[A-Z])", path.read_text()))
    assert named - {"BIND"} <= set(config.DEFAULTS), named - set(config.DEFAULTS)
