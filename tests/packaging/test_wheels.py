"""The wheels of `make dist`: what they declare, and that Odoo runs the suite
installed from them into a fresh virtual environment, without this
repository's addons/ on the addons path.

The virtual environment is created with --system-site-packages: Odoo 17 and
the Python libraries the addons need (pydantic, requests) come from the Python
that runs the tests, the pss addons and pss_client only from the wheels
(`pip install --no-index --find-links <the wheels>`).
"""

import ast
import email.parser
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
import requests
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
ADDONS_DIR = ROOT / "addons"
ODOO_REQUIREMENT = "odoo>=17.0a,<17.1dev"
# The addons installed in the database (pss_demo only brings demo data: it is
# installed into the environment and imported, not loaded into the database).
ODOO_INSTALL = ["pss_reconcile", "pss_reporting"]


def _manifests():
    return {
        path.parent.name: ast.literal_eval(path.read_text())
        for path in sorted(ADDONS_DIR.glob("*/__manifest__.py"))
    }


MANIFESTS = _manifests()


def pss_depends(name):
    """The pss addons NAME depends on, directly or not (NAME excluded)."""
    found, todo = set(), [name]
    while todo:
        for depend in MANIFESTS[todo.pop()].get("depends", []):
            if depend in MANIFESTS and depend not in found:
                found.add(depend)
                todo.append(depend)
    return found


def run(command, **options):
    """Run COMMAND; on failure, fail the test with its output."""
    options.setdefault("cwd", "/")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "ODOO_RC", "OPENERP_SERVER", "PIP_USER"}
    }
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        **options,
    )
    if done.returncode:
        pytest.fail(
            f"{' '.join(map(str, command))} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout[-6000:]}\n--- stderr\n{done.stderr[-6000:]}"
        )
    return done


def pip_can_fetch(*requirements):
    with tempfile.TemporaryDirectory() as dest:
        probe = subprocess.run(
            [
                *(sys.executable, "-m", "pip", "download", "-q", "--no-deps"),
                *("--dest", dest, *requirements),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    return probe.returncode == 0


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The wheels, built by setup/dist.sh (what `make dist` runs)."""
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    built = subprocess.run(
        ["bash", str(ROOT / "setup" / "dist.sh"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode:
        # Building needs the build backends: whool (the addons) and
        # setuptools>=77 (pss_client). Without a package index or a wheel
        # cache (PIP_FIND_LINKS) that has them, nothing can be built here.
        backends = ("whool", "setuptools>=77")
        if not pip_can_fetch(*backends):
            pytest.skip(
                "pip cannot fetch the build backends "
                f"({', '.join(backends)}): no package index reachable and no "
                "wheel cache (PIP_FIND_LINKS) holds them; the wheels cannot be "
                "built on this machine"
            )
        pytest.fail(
            f"setup/dist.sh failed (exit {built.returncode}):\n"
            f"{built.stdout[-6000:]}\n{built.stderr[-6000:]}"
        )
    print(f"dist.sh: {time.monotonic() - started:.1f} s")
    return out


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.HeaderParser().parsestr(archive.read(name).decode())


def addon_wheel(dist, name):
    version = MANIFESTS[name]["version"]
    wheel = dist / f"odoo_addon_{name}-{version}-py3-none-any.whl"
    assert wheel.is_file(), (
        f"no wheel of {name} {version} in {sorted(p.name for p in dist.iterdir())}"
    )
    return wheel


def test_dist_holds_one_wheel_per_addon_and_pss_client(dist):
    expected = {
        f"odoo_addon_{name}-{manifest['version']}-py3-none-any.whl"
        for name, manifest in MANIFESTS.items()
    }
    client_wheels = sorted(p.name for p in dist.glob("pss_client-*.whl"))
    addon_wheels = {p.name for p in dist.glob("odoo_addon_*.whl")}
    assert addon_wheels == expected
    assert len(client_wheels) == 1, client_wheels
    assert len(MANIFESTS) >= 9


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_addon_wheel_declares_manifest_name_version_and_dependencies(dist, name):
    manifest = MANIFESTS[name]
    metadata = wheel_metadata(addon_wheel(dist, name))
    assert metadata["Name"] == f"odoo-addon-{name}"
    assert metadata["Version"] == manifest["version"]
    requires = {
        req.name: req
        for req in map(Requirement, metadata.get_all("Requires-Dist") or [])
    }
    # Odoo 17.0 (any build of it), the pss addons of 'depends' (Odoo's own
    # addons come with Odoo) and the manifest's python external dependencies.
    pss = [d for d in manifest.get("depends", []) if d in MANIFESTS]
    external = manifest.get("external_dependencies", {}).get("python", [])
    assert set(requires) == {"odoo", *(f"odoo-addon-{d}" for d in pss), *external}
    assert requires["odoo"] == Requirement(ODOO_REQUIREMENT)
    odoo_spec = requires["odoo"].specifier
    assert odoo_spec.contains("17.0.post20240709")
    assert not odoo_spec.contains("17.1") and not odoo_spec.contains("16.0")
    for depend in pss:
        spec = requires[f"odoo-addon-{depend}"].specifier
        assert spec.contains(MANIFESTS[depend]["version"], prereleases=True)
        assert not spec.contains("18.0.1.0.0", prereleases=True)


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_addon_wheel_holds_every_tracked_file_under_odoo_addons(dist, name):
    listed = subprocess.run(
        ["git", "ls-files", "--", f"addons/{name}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode or not listed.stdout.strip():
        pytest.skip("not a git checkout: the tracked files are unknown")
    tracked = {
        f"odoo/addons/{path[len('addons/') :]}"
        for path in listed.stdout.split()
        if path != f"addons/{name}/pyproject.toml" and (ROOT / path).exists()
    }
    with zipfile.ZipFile(addon_wheel(dist, name)) as archive:
        packed = {n for n in archive.namelist() if not n.startswith("odoo_addon_")}
    assert packed == tracked
    manifest = MANIFESTS[name]
    for data_file in manifest.get("data", []) + manifest.get("demo", []):
        assert f"odoo/addons/{name}/{data_file}" in packed


def test_pss_client_wheel_declares_its_commands_and_requests(dist):
    (wheel,) = dist.glob("pss_client-*.whl")
    metadata = wheel_metadata(wheel)
    assert metadata["Name"] == "pss-client"
    requires = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    assert [str(r) for r in requires if not r.marker] == ["requests>=2.25"]
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [
            n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")
        ]
        text = archive.read(entry_points).decode()
    assert "pss-send = pss_client.cli:main" in text
    assert "pss-receive = pss_client.receiver:main" in text


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh virtual environment on the Python that has Odoo."""
    path = tmp_path_factory.mktemp("venv") / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", path])
    python = path / "bin" / "python"
    site = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
    ).stdout.strip()
    # pip counts what the outer Python has as installed: a pss addon there
    # would not be installed from the wheels.
    outer = run([sys.executable, "-m", "pip", "list", "--format", "json"]).stdout
    present = [p["name"] for p in json.loads(outer)]
    assert not [p for p in present if p.lower().startswith("odoo-addon-pss")], (
        f"the Python that runs the tests has pss addons installed: {present}"
    )
    return python, Path(site)


def pip_install(python, dist, *requirements):
    return run(
        [
            *(python, "-m", "pip", "install", "--no-index", "--find-links", dist),
            *requirements,
        ]
    )


def venv_distributions(python):
    listed = run([python, "-m", "pip", "list", "--local", "--format", "json"])
    return {p["name"].lower(): p["version"] for p in json.loads(listed.stdout)}


def drop_database(params, name):
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", **params)
    connection.autocommit = True
    try:
        with connection.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def test_wheels_install_into_a_venv_and_odoo_installs_the_suite_from_them(
    dist, venv, tmp_path
):
    from odoo.tools import config

    if not config["db_name"]:
        pytest.fail("run through pytest-odoo (make test): no Odoo database given")
    python, site = venv
    started = time.monotonic()

    # 1. pss_reconcile pulls the pss addons it depends on, and only those.
    pip_install(python, dist, "odoo-addon-pss_reconcile")
    expected = {"pss_reconcile", *pss_depends("pss_reconcile")}
    assert {"pss_core", "pss_billing", "pss_intercompany"} <= expected
    installed = venv_distributions(python)
    assert {
        name[len("odoo-addon-") :]: version
        for name, version in installed.items()
        if name.startswith("odoo-addon-")
    } == {name: MANIFESTS[name]["version"] for name in expected}
    # 2. The rest of the suite.
    pip_install(python, dist, *(f"odoo-addon-{name}" for name in MANIFESTS))
    assert {f"odoo-addon-{name}" for name in MANIFESTS} <= set(
        venv_distributions(python)
    )

    # 3. Odoo's configuration: the project's cluster, no addons_path at all
    # (Odoo's own addons, and odoo/addons/ of every site-packages).
    db = f"{config['db_name']}_venv"
    params = {
        "host": config["db_host"] or None,
        "port": config["db_port"] or None,
        "user": config["db_user"] or None,
        "password": config["db_password"] or None,
    }
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        "[options]\n"
        + "".join(f"db_{k} = {v}\n" for k, v in params.items() if v)
        + f"data_dir = {tmp_path / 'data'}\nlist_db = False\n"
    )
    # 4. Every addon is importable as odoo.addons.<name> and found by Odoo in
    # the venv's site-packages, nowhere in this repository.
    probe = (
        "import importlib, json, sys, odoo\n"
        "odoo.tools.config.parse_config(['-c', sys.argv[1]])\n"
        "from odoo.modules.module import get_module_path, initialize_sys_path\n"
        "initialize_sys_path()\n"
        "names = sys.argv[2:]\n"
        "files = {n: importlib.import_module('odoo.addons.' + n).__file__"
        " for n in names}\n"
        "paths = {n: get_module_path(n) for n in names}\n"
        "print(json.dumps({'files': files, 'paths': paths,"
        " 'addons_path': odoo.tools.config['addons_path']}))\n"
    )
    found = json.loads(run([python, "-c", probe, conf, *MANIFESTS]).stdout)
    assert str(ROOT) not in found["addons_path"]
    for name in MANIFESTS:
        for where in (found["files"][name], found["paths"][name]):
            assert Path(where).is_relative_to(site / "odoo" / "addons" / name), (
                f"{name} comes from {where}, not from the venv's {site}"
            )
    # 5. Odoo installs the suite from the wheels into a fresh database.
    drop_database(params, db)
    try:
        run(
            [
                python,
                *("-m", "odoo", "-c", conf, "-d", db, "-i", ",".join(ODOO_INSTALL)),
                *("--stop-after-init", "--no-http", "--without-demo=all"),
                "--log-level=warn",
            ]
        )
        import psycopg2

        connection = psycopg2.connect(dbname=db, **params)
        try:
            with connection.cursor() as cr:
                cr.execute(
                    "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
                    [list(MANIFESTS)],
                )
                states = dict(cr.fetchall())
        finally:
            connection.close()
    finally:
        drop_database(params, db)
    in_db = set(ODOO_INSTALL).union(*map(pss_depends, ODOO_INSTALL))
    assert in_db == set(MANIFESTS) - {"pss_demo"}
    assert states == {
        name: "installed" if name in in_db else "uninstalled" for name in MANIFESTS
    }
    print(f"venv install and Odoo install: {time.monotonic() - started:.1f} s")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_pss_client_wheel_commands_run_from_the_venv(dist, venv):
    from pss_client.signing import sign

    python, site = venv
    # The outer Python has pss_client too (setup/deps.sh): install over it.
    run(
        [
            *(python, "-m", "pip", "install", "--no-index", "--find-links", dist),
            *("--ignore-installed", "--no-deps", "pss-client"),
        ]
    )
    (wheel,) = dist.glob("pss_client-*.whl")
    version = wheel_metadata(wheel)["Version"]
    where = run([python, "-c", "import pss_client; print(pss_client.__file__)"])
    assert Path(where.stdout.strip()).is_relative_to(site / "pss_client")
    bin_dir = python.parent
    assert run([bin_dir / "pss-send", "--version"]).stdout.strip() == (
        f"pss-send {version}"
    )
    # pss-receive serves, verifies a signed event and prints it.
    port = free_port()
    receiver = subprocess.Popen(
        [bin_dir / "pss-receive", "--port", str(port), "--secret", "s3cret"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd="/",
    )
    try:
        assert "listening" in receiver.stderr.readline()
        body = json.dumps({"id": "evt_wheel", "type": "project.created"}).encode()
        signed = {"X-PSS-Signature": sign("s3cret", body), "Idempotency-Key": "k1"}
        answer = requests.post(
            f"http://127.0.0.1:{port}/hook", data=body, headers=signed, timeout=10
        )
        assert answer.status_code == 200, answer.text
        bad = requests.post(
            f"http://127.0.0.1:{port}/hook",
            data=body,
            headers={"X-PSS-Signature": sign("other", body)},
            timeout=10,
        )
        assert bad.status_code == 401
        line = json.loads(receiver.stdout.readline())
        assert line["event"]["id"] == "evt_wheel"
        assert line["idempotency_key"] == "k1"
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
