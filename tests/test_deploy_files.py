"""The container and the service files: the image builds and passes its health check where Docker runs; everywhere
the files are checked for what an operator relies on (non-root, data on a volume, health check, one process)."""
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT


def test_dockerfile_is_slim_non_root_with_a_volume_and_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("# ") and "\nFROM python:3.11-slim\n" in text
    assert "\nUSER convene\n" in text and 'VOLUME ["/data"]' in text and "CONVENE_DB=/data/convene.db" in text
    assert "HEALTHCHECK" in text and "/healthz" in text and 'CMD ["python", "-m", "bot", "run"]' in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "*.db", ".venv", ".git"} <= set(ignored)


def test_compose_keeps_data_on_a_named_volume_and_reads_env():
    doc = yaml.safe_load((ROOT / "compose.yaml").read_text())
    svc = doc["services"]["convene"]
    assert svc["env_file"] == ".env" and "convene-data:/data" in svc["volumes"] and "convene-data" in doc["volumes"]
    assert svc["environment"]["CONVENE_DB"].startswith("/data/") and svc["restart"] == "unless-stopped"


def test_systemd_unit_and_procfile_run_one_process():
    unit = (ROOT / "deploy" / "convene.service").read_text()
    assert "ExecStart=/srv/convene/.venv/bin/python -m bot run" in unit and "User=convene" in unit
    assert "Environment=CONVENE_DB=/var/lib/convene/convene.db" in unit and "Restart=on-failure" in unit
    procs = [ln for ln in (ROOT / "Procfile").read_text().splitlines() if ln and not ln.startswith("#")]
    assert procs == ["web: python -m bot run"]


def _docker_works() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0


@pytest.mark.skipif(not _docker_works(), reason="no Docker engine here (the docker client alone cannot build): the "
                                                "files are checked by the tests above")
def test_image_builds():
    proc = subprocess.run(["docker", "build", "-q", "-t", "convene-test", str(ROOT)], capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_lock_files_pin_every_dependency_with_hashes():
    import re
    import tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(reqs):
        return {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in reqs}

    for lock, wanted in (("requirements.lock", names(project["dependencies"])),
                         ("requirements-dev.lock", names(project["dependencies"] + project["optional-dependencies"]["dev"]))):
        text = (ROOT / lock).read_text()
        pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==\S+", text, re.M)}
        assert wanted <= pinned, (lock, wanted - pinned)
        blocks = re.findall(r"^[A-Za-z0-9_.\-]+==[^\n]*(?:\n {4}.*)*", text, re.M)
        assert blocks and all("--hash=sha256:" in b for b in blocks), lock
