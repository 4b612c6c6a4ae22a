"""deploy/: what can be checked without a container engine or systemd. The compose services
and the systemd unit run command lines our CLI accepts, with a role that suits where they
run; every NEWSBOT_* name they use is a real setting; the image runs as a non-root user."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from sqlalchemy.engine import make_url

from bot.cli import app as cli_app
from bot.config import Settings
from bot.roles import PLANS, check_role, parse_role

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
UNIT = DEPLOY / "systemd" / "newsbot@.service"


def accepted_run(args: list[str]) -> dict[str, Any]:
    """The options of `newsbot ARGS` as our parser reads them; fails unless it is `run`."""
    assert args and args[0] == "run", args
    command = typer.main.get_command(cli_app).get_command(None, "run")  # type: ignore[attr-defined]
    try:
        params: dict[str, Any] = command.make_context("run", list(args[1:])).params
    except Exception as exc:  # the parser's usage error, whatever its class
        pytest.fail(f"newsbot {shlex.join(args)}: {exc}")
    return params


def interpolate(value: str) -> str:
    """Compose's ${VAR…} replaced by a stand-in, as a filled-in .env would."""
    return re.sub(r"\$\{[^}]*\}", "secret", value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return data


def newsbot_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose["services"].items() if "command" in svc
            and svc.get("image", "").startswith("newsbot")}


# --- compose ----------------------------------------------------------------------------------

def test_compose_runs_one_chat_and_scalable_pollers_and_senders(compose: dict[str, Any]) -> None:
    roles: dict[str, list[int]] = {}
    for name, svc in newsbot_services(compose).items():
        params = accepted_run(svc["command"])
        role = parse_role(params["role"])
        database_url = interpolate(svc["environment"]["NEWSBOT_DATABASE_URL"])
        check_role(role, database_url=database_url, once=params["once"])
        assert make_url(database_url).host == "postgres", name  # the service below
        assert svc["env_file"] == ".env", name
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy", name
        roles.setdefault(role, []).append(svc.get("deploy", {}).get("replicas", 1))
    assert set(roles) == {"chat", "poller", "sender"}
    # a bot's command connection is single; the workers scale
    assert [n for role, counts in roles.items() if PLANS[parse_role(role)].listens
            for n in counts] == [1]
    assert roles["poller"][0] >= 1 and roles["sender"][0] >= 1
    assert all("replicas" in compose["services"][name].get("deploy", {})
               for name in ("poller", "sender"))


def test_compose_postgres_keeps_its_data_and_reports_health(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    [volume] = postgres["volumes"]
    name, _, target = volume.partition(":")
    assert name in compose["volumes"] and target == "/var/lib/postgresql/data"
    url = make_url(interpolate(newsbot_services(compose)["chat"]["environment"]
                               ["NEWSBOT_DATABASE_URL"]))
    assert (url.username, url.database) == (postgres["environment"]["POSTGRES_USER"],
                                            postgres["environment"]["POSTGRES_DB"])


def test_every_newsbot_name_in_deploy_is_a_documented_setting() -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    names = set()
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            names |= set(re.findall(r"NEWSBOT_[A-Z0-9_]+", path.read_text(encoding="utf-8")))
    assert "NEWSBOT_DATABASE_URL" in names  # the scan itself works
    for name in sorted(names):
        assert name.removeprefix("NEWSBOT_").lower() in Settings.model_fields, name
        assert f"{name}=" in example, name


# --- Dockerfile -------------------------------------------------------------------------------

def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage, continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), rest.strip()))
    return stages


def test_image_runs_newsbot_as_a_non_root_user() -> None:
    stages = dockerfile_stages()
    assert all(args.split()[0] == "python:3.12-slim" for stage in stages
               for instruction, args in stage if instruction == "FROM")
    final = stages[-1]
    users = [args for instruction, args in final if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), users
    entrypoints = [json.loads(args) for instruction, args in final if instruction == "ENTRYPOINT"]
    cmds = [json.loads(args) for instruction, args in final if instruction == "CMD"]
    assert entrypoints[-1] == ["newsbot"]
    assert cmds[-1] == ["run"]
    accepted_run(cmds[-1])


def test_image_installs_extras_that_pyproject_defines() -> None:
    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
                 ["project"]["optional-dependencies"])
    [default] = [args.split("=", 1)[1] for stage in dockerfile_stages()
                 for instruction, args in stage
                 if instruction == "ARG" and args.startswith("EXTRAS=")]
    chosen = set(default.split(","))
    assert {"slack", "discord", "postgres"} <= chosen <= extras
    installs = [args for stage in dockerfile_stages() for instruction, args in stage
                if instruction == "RUN" and "pip install" in args]
    assert any('".[${EXTRAS}]"' in args for args in installs), installs
    for stage in dockerfile_stages():
        for instruction, args in stage:
            if instruction == "COPY" and not args.startswith("--from"):
                *sources, _target = args.split()
                assert all((REPO / source).exists() for source in sources), args


# --- systemd ----------------------------------------------------------------------------------

def unit_settings() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


@pytest.mark.parametrize("role", ["poller", "sender", "chat", "all"])
def test_systemd_instance_name_is_the_role(role: str) -> None:
    [exec_start] = unit_settings()["ExecStart"]
    argv = shlex.split(exec_start)
    assert Path(argv[0]).name == "newsbot"
    assert argv[1:] == ["run", "--role", "%i"]
    params = accepted_run([arg.replace("%i", role) for arg in argv[1:]])
    assert parse_role(params["role"]) == role


@pytest.mark.parametrize(("key", "expected"), [
    ("Restart", "on-failure"),
    ("RestartPreventExitStatus", "2"),  # bad input: a restart cannot fix it (bot/cli.py)
    ("NoNewPrivileges", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("EnvironmentFile", "/etc/newsbot/newsbot.env"),
], ids=lambda value: str(value))
def test_systemd_unit_setting(key: str, expected: str) -> None:
    assert unit_settings()[key] == [expected]


def test_systemd_unit_runs_as_an_unprivileged_user() -> None:
    settings = unit_settings()
    [user] = settings["User"]
    assert user not in ("root", "0", "")
    assert settings.get("AmbientCapabilities", [""]) == [""]
    assert settings["CapabilityBoundingSet"] == [""]
