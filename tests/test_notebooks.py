"""Every notebook under notebooks/ runs end to end on a small demo warehouse.

The notebooks are jupytext percent files without outputs. Each is read with jupytext, given its
source through a cell injected after its ``parameters`` cell (as papermill does), and executed
with nbclient on a python3 kernel that runs this interpreter; any error fails the test. The report
notebook is also run once through papermill's command line with string parameters, the way a
scheduler runs it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import nbclient
import nbformat
import pytest

from aibridge_analytics.demo.generator import build_demo

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.py"))
TIMEOUT = 300  # seconds per cell


@pytest.fixture(scope="session")
def kernel_env(tmp_path_factory) -> Path:
    """A ``python3`` kernelspec that runs this interpreter, first on JUPYTER_PATH.

    A kernelspec elsewhere (a user's ~/.local/share/jupyter, another venv's) could otherwise start
    a different Python without this package.
    """
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (aibridge-analytics tests)",
                "language": "python",
            }
        )
    )
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(root), *([old] if old else [])])
    yield root
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, interceptions=2_000, seed=7)
    return path


def parameterised(path: Path, **params) -> nbformat.NotebookNode:
    """The notebook at ``path`` with a cell setting ``params`` right after its parameters cell."""
    nb = jupytext.read(path)
    where = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(where) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    lines = [f"{k} = {v!r}" for k, v in params.items()]
    # The kernel must be this interpreter, or the notebook would test another installation.
    lines += ["import sys", f"assert sys.executable == {sys.executable!r}, sys.executable"]
    nb.cells.insert(
        where[0] + 1, nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    )
    return nb


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=TIMEOUT, resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return nb


def test_notebooks_are_text_without_outputs():
    assert {p.stem for p in PATHS} >= {"edge_cases", "exploration", "backfill_verification", "report"}
    for path in PATHS:
        text = path.read_text()
        assert text.startswith("# ---\n# jupyter:\n#   jupytext:"), f"{path.name} lacks its jupytext header"
        nb = jupytext.reads(text, fmt="py:percent")
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert all(not c.get("outputs") for c in nb.cells)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_on_the_demo(path, demo_db, kernel_env, tmp_path):
    nb = execute(parameterised(path, SOURCE=str(demo_db)), tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert (
        any(o.get("data", {}).get("image/svg+xml") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
        or path.stem == "report"
    ), f"{path.name} drew no chart"
    if path.stem == "edge_cases":
        check_every_case_shown(nb)


def check_every_case_shown(nb: nbformat.NotebookNode) -> None:
    """One section per edge case (docs/edge-cases.md), in order, each showing rows of the data: the
    first code cell after the case's heading displays a non-empty table."""
    numbers = []
    for i, cell in enumerate(nb.cells):
        heading = cell.source.splitlines()[0] if cell.cell_type == "markdown" and cell.source else ""
        if heading.startswith("## ") and heading[3:].split(".")[0].isdigit():
            numbers.append(int(heading[3:].split(".")[0]))
            shown = next(c for c in nb.cells[i + 1 :] if c.cell_type == "code")
            text = "".join(o.get("data", {}).get("text/plain", "") for o in shown.outputs)
            assert "shape: (" in text and "shape: (0," not in text, f"{heading}: no rows shown"
    assert numbers == list(range(1, 17))


def test_edge_cases_notebook_runs_on_a_mainline_parquet_source(demo_db, kernel_env, tmp_path):
    """No provider_id column and no ground truth: the notebook still runs end to end."""
    import aibridge_analytics as aa
    from aibridge_analytics.pipelines import edge_cases

    parquet = edge_cases.mainline_copy(aa.connect(demo_db), tmp_path / "mainline")
    execute(parameterised(NOTEBOOKS / "edge_cases.py", SOURCE=str(parquet)), tmp_path)


def test_report_notebook_under_papermill_with_string_parameters(demo_db, kernel_env, tmp_path):
    source = tmp_path / "report.ipynb"
    nb = jupytext.read(NOTEBOOKS / "report.py")
    nbformat.write(nb, source)
    out_dir = tmp_path / "report"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(source),
            str(tmp_path / "out.ipynb"),
            "-k",
            "python3",
            "-p",
            "SOURCE",
            str(demo_db),
            "-p",
            "SINCE",
            "2026-11-01",
            "-p",
            "UNTIL",
            "2026-11-15",
            "-p",
            "TZ",
            "Europe/Berlin",
            "-p",
            "OUT_DIR",
            str(out_dir),
            "--cwd",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["window"]["since"] == "2026-10-31T23:00:00+00:00"  # midnight in Berlin (CET)
    assert summary["window"]["until"] == "2026-11-14T23:00:00+00:00"
    assert summary["window"]["tz"] == "Europe/Berlin"


# --- JupyterLab: what `make notebooks` serves ----------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_jupyterlab_serves_the_four_notebooks_as_notebooks_without_kernel_noise(kernel_env, tmp_path):
    """`make notebooks`' server: JupyterLab at the repository lists every notebook under notebooks/
    as a notebook (jupytext), the Lab settings open .py files with the Jupytext viewer, and a kernel
    starts over Unix sockets, so the server's log carries neither ipykernel's TCP warning nor a
    "not trusted" notebook. One server, on loopback, stopped at the end."""
    if importlib.util.find_spec("jupyterlab") is None:
        if os.environ.get("CI"):
            pytest.fail("jupyterlab is missing: `make test` installs the notebooks extra")
        pytest.skip("jupyterlab is not installed (pip install -e '.[notebooks]')")
    import urllib.request

    from jupyter_client import BlockingKernelClient

    prefix = tmp_path / "prefix"
    # The Makefile's own target installs the settings, into a prefix of this test's.
    subprocess.run(
        ["make", "-s", "-C", str(NOTEBOOKS.parent), "notebooks-config", f"JUPYTER_PREFIX={prefix}"], check=True
    )
    # Kernel sockets live in the runtime directory: a Unix socket path has at most 107 bytes, which
    # pytest's temporary directories can exceed.
    runtime = Path(tempfile.mkdtemp(prefix="jr-"))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_PATH": str(prefix / "etc" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    port, token = _free_port(), "t" + os.urandom(8).hex()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            f"--ServerApp.root_dir={NOTEBOOKS.parent}",
            f"--LabApp.app_settings_dir={prefix / 'share' / 'jupyter' / 'lab' / 'settings'}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def get(path: str, method: str = "GET", body: bytes | None = None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=body, method=method, headers={"Authorization": f"token {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                listing = get("/api/contents/notebooks")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.5)
        kinds = {c["name"]: c["type"] for c in listing["content"]}
        assert {p.name for p in PATHS} == {n for n, t in kinds.items() if t == "notebook"}
        opened = get("/api/contents/notebooks/edge_cases.py")
        assert opened["type"] == "notebook" and len(opened["content"]["cells"]) > 10
        # The overrides become the schema's defaults, which JupyterLab's front end applies.
        plugin = get("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        viewers = plugin["schema"]["properties"]["defaultViewers"]["default"]
        assert viewers.get("python") == "Jupytext Notebook"

        kernel = get("/api/kernels", "POST", json.dumps({"name": "python3"}).encode())
        connection = runtime / f"kernel-{kernel['id']}.json"
        client = BlockingKernelClient(connection_file=str(connection))
        client.load_connection_file()
        assert client.transport == "ipc"
        # The kernel answers over those sockets (the server's log then holds its start-up warnings).
        client.start_channels(hb=False)
        asked = client.kernel_info()
        assert client.get_shell_msg(timeout=120)["parent_header"]["msg_id"] == asked
        client.stop_channels()
        get(f"/api/kernels/{kernel['id']}", "DELETE")
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
        shutil.rmtree(runtime, ignore_errors=True)
    text = (tmp_path / "server.log").read_text()
    assert "Kernel started" in text
    assert "without encryption" not in text and "not trusted" not in text, text
