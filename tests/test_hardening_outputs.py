"""Outputs under attack: bad ``--out`` targets, hostile text in the data (issue #13, items 2, 3, 9, 15-17).

The catalogue of targets runs every writing command against each one: exit 1, one line naming the
path, nothing half-written, and nothing that was there replaced. Hostile data lives in the
warehouse (provider names, models, clients), not in the arguments.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from datasets import DATA_FILE_TABLES, interception, provider, uid, write_warehouse

from aibridge_analytics.cli import main
from aibridge_analytics.outputs.formats import encode

ROOT = os.geteuid() == 0
ESC_TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
OSC8 = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
FORMULA = '=HYPERLINK("http://evil.example","x")'
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _in_a_scratch_directory(tmp_path, monkeypatch):
    # `--out ''` once meant the working directory, and `report` replaced it: should that come
    # back, it replaces a scratch directory and not the checkout the tests run from.
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    monkeypatch.chdir(scratch)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, out: str, err: str, *named: str) -> None:
    assert code == 1 and out == "", (code, out, err)
    assert err.count("\n") == 1 and err.startswith("aibridge-analytics: error: ") and "Traceback" not in err, err
    for text in named:
        assert text.lower() in err.lower(), (text, err)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("wh") / "tiny.duckdb"
    write_warehouse(path, DATA_FILE_TABLES)
    return str(path)


# --- mounts (root only): a full and a read-only file system ---------------------------------------


def _mount_tmpfs(where: Path, options: str) -> None:
    if not ROOT:
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"mount -t tmpfs is not permitted here: {done.stderr.strip()}")


@pytest.fixture
def full_dir(tmp_path):
    """A real full file system: a 64 KiB tmpfs filled to the last byte."""
    where = tmp_path / "full"
    _mount_tmpfs(where, "size=64k")
    try:
        with open(where / "filler", "wb", buffering=0) as filler:
            try:
                while filler.write(b"\0" * 4096):
                    pass
            except OSError:
                pass  # full
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.fixture
def readonly_dir(tmp_path):
    """A read-only directory: a read-only tmpfs as root (root ignores permission bits), mode 0555 otherwise."""
    where = tmp_path / "ro"
    if ROOT:
        _mount_tmpfs(where, "size=64k,ro")
        yield where
        subprocess.run(["umount", str(where)], check=True)
    else:
        where.mkdir()
        where.chmod(0o555)
        yield where
        where.chmod(0o755)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in {"filler", "a-file", "cwd"})


# --- item 9: targets that cannot be written ----------------------------------------------------------

FILE_COMMANDS = {
    "count": ["interceptions", "count", "--format", "csv"],
    "attribute": ["attribute", "--format", "json"],
    "verify-backfill": ["verify-backfill", "--format", "markdown"],
}


def _bad_target(kind: str, tmp_path: Path, request) -> tuple[str, str, Path | None]:
    """(the --out value, a phrase of the expected error, the directory that must stay as it was)."""
    if kind == "directory":
        (tmp_path / "adir").mkdir()
        return str(tmp_path / "adir"), "is a directory", tmp_path / "adir"
    if kind == "empty":
        return "", "empty", Path.cwd()
    if kind == "root":
        return "/", "'/'", None
    if kind == "below-a-file":
        (tmp_path / "a-file").write_text("x")
        return str(tmp_path / "a-file" / "out"), "not a directory", tmp_path
    if kind == "read-only":
        where = request.getfixturevalue("readonly_dir")
        return str(where / "out"), "read-only" if ROOT else "permission denied", where
    if kind == "full":
        where = request.getfixturevalue("full_dir")
        return str(where / "out"), "no space left", where
    raise AssertionError(kind)


TARGETS = ("directory", "empty", "root", "below-a-file", "read-only", "full")


@pytest.mark.parametrize("kind", TARGETS)
@pytest.mark.parametrize("command", sorted(FILE_COMMANDS))
def test_a_file_output_that_cannot_be_written_is_one_line(capsys, warehouse, tmp_path, request, command, kind):
    target, problem, directory = _bad_target(kind, tmp_path, request)
    before = _leftovers(directory) if directory else None
    code, out, err = run(capsys, *FILE_COMMANDS[command], "--source", warehouse, "--out", target)
    one_line_error(code, out, err, repr(target), problem)
    if directory:
        assert _leftovers(directory) == before  # no temporary file left behind


@pytest.mark.parametrize("kind", [k for k in TARGETS if k != "directory"] + ["not-a-report"])
def test_a_report_directory_that_cannot_be_written_is_one_line(capsys, warehouse, tmp_path, request, kind):
    if kind == "not-a-report":
        (tmp_path / "precious.txt").write_text("keep me")
        target, problem, directory = str(tmp_path), "not a report", tmp_path
    else:
        target, problem, directory = _bad_target(kind, tmp_path, request)
    before = _leftovers(directory) if directory else None
    code, out, err = run(capsys, "report", "--source", warehouse, "--out", target)
    one_line_error(code, out, err, repr(target), problem)
    if directory:
        assert _leftovers(directory) == before  # no staging directory left behind, nothing replaced


@pytest.mark.parametrize("kind", TARGETS)
def test_a_demo_warehouse_that_cannot_be_written_is_one_line(capsys, tmp_path, request, kind):
    target, problem, directory = _bad_target(kind, tmp_path, request)
    before = _leftovers(directory) if directory else None
    code, out, err = run(capsys, "demo", "--interceptions", "200", "--db", target)
    one_line_error(code, out, err, repr(target), problem)
    if directory:
        assert _leftovers(directory) == before


# --- item 2: devices, FIFOs, sockets and symlinks are never replaced --------------------------------


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    if not ROOT:
        return Path("/dev") / name  # a normal user cannot replace it, so a regression only fails the test
    # A private node of the same device: a regression must not destroy the machine's /dev/null.
    device = tmp_path / name
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return device


def test_a_character_device_is_written_through_not_replaced(capsys, warehouse, tmp_path):
    device = _device(tmp_path, "null", 3)
    code, out, err = run(
        capsys, "interceptions", "count", "--source", warehouse, "--format", "json", "--out", str(device)
    )
    assert (code, out, err) == (0, "", "")
    assert stat.S_ISCHR(device.stat().st_mode) and not list(device.parent.glob(f".{device.name}*"))


def test_a_full_device_is_one_line(capsys, warehouse, tmp_path):
    device = _device(tmp_path, "full", 7)
    code, out, err = run(capsys, "attribute", "--source", warehouse, "--format", "json", "--out", str(device))
    one_line_error(code, out, err, repr(str(device)), "no space left")
    assert stat.S_ISCHR(device.stat().st_mode)


def test_a_fifo_is_written_through_not_replaced(capsys, warehouse, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so opening for writing does not block
    try:
        code, out, err = run(
            capsys, "interceptions", "count", "--source", warehouse, "--format", "json", "--out", str(fifo)
        )
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert (code, out, err) == (0, "", "")
    assert json.loads(received) == [{"interceptions": 2}] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_dev_stdout_on_a_pipe_is_written_through(warehouse):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aibridge_analytics",
            "interceptions",
            "count",
            "--source",
            warehouse,
            "--format",
            "json",
            "--out",
            "/dev/stdout",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"interceptions": 2}]


def test_a_socket_is_refused_and_kept(capsys, warehouse, tmp_path):
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        code, out, err = run(capsys, "attribute", "--source", warehouse, "--format", "csv", "--out", str(path))
        one_line_error(code, out, err, repr(str(path)), "not a regular file")
        assert stat.S_ISSOCK(path.lstat().st_mode)


@pytest.mark.parametrize("existing", [True, False], ids=["to-a-file", "dangling"])
def test_a_symlink_is_followed_and_its_target_written_atomically(capsys, warehouse, tmp_path, existing):
    real = tmp_path / "data" / "count.json"
    real.parent.mkdir()
    if existing:
        real.write_text("old")
        real.chmod(0o640)
    link = tmp_path / "count.json"
    link.symlink_to(real)
    code, _, _ = run(capsys, "interceptions", "count", "--source", warehouse, "--format", "json", "--out", str(link))
    assert code == 0 and link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text()) == [{"interceptions": 2}]
    assert sorted(p.name for p in real.parent.iterdir()) == ["count.json"]
    if existing:
        assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the file's mode is kept


def test_a_symlink_to_a_directory_is_refused_as_a_directory(capsys, warehouse, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "d")
    code, out, err = run(capsys, "attribute", "--source", warehouse, "--out", str(tmp_path / "link"))
    one_line_error(code, out, err, "is a directory")
    assert (tmp_path / "link").is_symlink()


# --- item 3: a report directory is replaced only when it holds a report --------------------------------


REPORT_FILES = {"report.html", "report.md", "summary.json", "manifest.json"}


def _staging_leftovers(*directories: Path) -> list[str]:
    return [p.name for d in directories for p in d.iterdir() if ".staging-" in p.name or ".old-" in p.name]


@pytest.mark.parametrize("manifest", [None, "{}", '{"package": {"name": "other-tool"}}', "not json"])
def test_a_directory_that_is_not_a_report_is_refused_untouched(capsys, warehouse, tmp_path, manifest):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    if manifest is not None:
        (out / "manifest.json").write_text(manifest)
    code, stdout, err = run(capsys, "report", "--source", warehouse, "--out", str(out))
    one_line_error(code, stdout, err, repr(str(out)), "not a report")
    assert (out / "precious.txt").read_text() == "keep me" and not _staging_leftovers(tmp_path)


def test_an_empty_directory_and_a_previous_report_are_replaced(capsys, warehouse, tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    assert run(capsys, "report", "--source", warehouse, "--out", str(out))[0] == 0
    (out / "stale.txt").write_text("from an older run")
    assert run(capsys, "report", "--source", warehouse, "--out", str(out))[0] == 0
    assert REPORT_FILES <= {p.name for p in out.iterdir()} and not (out / "stale.txt").exists()


def test_a_symlinked_report_directory_is_published_through_the_link(capsys, warehouse, tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "reports-v1").mkdir()
    current = tmp_path / "current"
    current.symlink_to("versions/reports-v1")
    for _ in range(2):  # the first run fills the empty target, the second replaces a report
        code, out, err = run(capsys, "report", "--source", warehouse, "--out", str(current))
        assert code == 0 and out == "" and "Traceback" not in err, err
        assert current.is_symlink() and os.readlink(current) == "versions/reports-v1"
        assert REPORT_FILES <= {p.name for p in (versions / "reports-v1").iterdir()}
        assert not _staging_leftovers(tmp_path, versions)


def test_a_symlink_to_a_directory_that_is_not_a_report_is_refused(capsys, warehouse, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "precious.txt").write_text("keep me")
    (tmp_path / "current").symlink_to(tmp_path / "real")
    code, out, err = run(capsys, "report", "--source", warehouse, "--out", str(tmp_path / "current"))
    one_line_error(code, out, err, "not a report")
    assert (tmp_path / "real" / "precious.txt").read_text() == "keep me"


# --- hostile data ---------------------------------------------------------------------------------------


HOSTILE = {
    "ai_providers": [
        provider(ESC_TITLE, "openai", label="p-title"),
        provider(FORMULA, "anthropic", label="p-formula"),
        provider(IMG, "copilot", label="p-img"),
        provider("a|b", "azure", label="p-pipe"),
    ],
    "aibridge_interceptions": [
        interception("h-1", "openai", ESC_TITLE, model=CLEAR, client=OSC8, day=1),
        interception("h-2", "anthropic", FORMULA, model="+cmd|' /C calc'!A0", client="@SUM(1+1)", day=2),
        interception("h-3", "copilot", IMG, model="-2+3", client="\tTAB\rCR", day=3),
        interception(
            "h-4", "openai", "a|b", model="C1\x9bDEL\x7fNL\nEND", client="[bold]not markup[/bold] :smile:", day=4
        ),
    ],
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    write_warehouse(path, HOSTILE)
    return str(path)


CSV_COMMANDS = {
    "list": ["interceptions", "list"],
    "providers": ["providers"],
    "attribute": ["attribute"],
    "summary": ["summary", "--by", "provider,model,client"],
}
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("command", sorted(CSV_COMMANDS))
def test_csv_cells_that_a_spreadsheet_would_evaluate_are_quoted(capsys, hostile, command):
    code, out, _ = run(capsys, *CSV_COMMANDS[command], "--source", hostile, "--format", "csv")
    cells = [cell for row in csv.reader(io.StringIO(out)) for cell in row]
    assert code == 0 and "'" + FORMULA in cells
    assert not [c for c in cells if c.startswith(DANGEROUS_START)]


@pytest.mark.parametrize("command", ["list", "attribute", "summary"])
def test_csv_raw_gives_the_values_exactly(capsys, hostile, command):
    code, out, _ = run(capsys, *CSV_COMMANDS[command], "--source", hostile, "--format", "csv-raw")
    cells = {cell for row in csv.reader(io.StringIO(out)) for cell in row}
    assert code == 0 and FORMULA in cells and "'" + FORMULA not in cells
    if command != "attribute":
        assert "-2+3" in cells and "@SUM(1+1)" in cells


def test_csv_escapes_text_only_and_numbers_stay_numbers():
    frame = pl.DataFrame({"n": [-5, 3], "x": [-1.5, 2.0], "s": ["-5", "ok"], "tags": [["=1", "a"], ["b"]]})
    assert encode(frame, "csv").decode().splitlines() == ["n,x,s,tags", "-5,-1.5,'-5,\"'=1,a\"", "3,2.0,ok,b"]
    assert encode(frame, "csv-raw").decode().splitlines() == ["n,x,s,tags", '-5,-1.5,-5,"=1,a"', "3,2.0,ok,b"]


def test_a_negative_figure_in_a_summary_csv_stays_a_number(capsys, tmp_path):
    path = tmp_path / "neg.duckdb"
    negative = {
        "id": uid("tok/neg"),
        "interception_id": uid("cli-1"),
        "provider_response_id": "r",
        "input_tokens": -7,
        "output_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_write_input_tokens": 0,
        "metadata": None,
        "created_at": DATA_FILE_TABLES["aibridge_interceptions"][0]["started_at"],
    }
    write_warehouse(path, {**DATA_FILE_TABLES, "aibridge_token_usages": [negative]})
    code, out, _ = run(capsys, "summary", "--source", str(path), "--lax", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and sorted(r["input_tokens"] for r in rows) == ["-7", "0"]


TERMINAL_CONTROLS = [chr(c) for c in [*range(0x00, 0x0A), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]]


@pytest.mark.parametrize("command", sorted(CSV_COMMANDS))
def test_tables_show_control_characters_escaped(capsys, hostile, command):
    code, out, _ = run(capsys, *CSV_COMMANDS[command], "--source", hostile, "--format", "table")
    assert code == 0
    assert not [c for c in TERMINAL_CONTROLS if c in out], "a control character reached the terminal"
    assert r"\x1b]0;pwned\x07" in out
    if command in ("list", "summary"):
        for shown in (
            r"\x1b[2J\x1b[H",
            "\\x1b]8;;http://evil.example\\x1b\\click\\x1b]8;;\\x1b\\",
            r"\tTAB\rCR",
            r"C1\x9bDEL\x7fNL\nEND",
            "[bold]not markup[/bold] :smile:",
        ):
            assert shown in out, shown


def test_verify_backfill_tables_escape_too(capsys, hostile):
    code, out, _ = run(capsys, "verify-backfill", "--source", hostile)
    assert code in (0, 3) and "\x1b" not in out and r"\x1b]0;pwned\x07" in out


def test_json_keeps_the_values_exactly(capsys, hostile):
    code, out, _ = run(capsys, "interceptions", "list", "--source", hostile, "--format", "json")
    rows = {r["id"]: r for r in json.loads(out)}
    assert code == 0 and rows[uid("h-1")]["client"] == OSC8 and rows[uid("h-4")]["model"] == "C1\x9bDEL\x7fNL\nEND"


def test_a_report_on_hostile_data_is_written(capsys, hostile, tmp_path):
    # SVG charts cannot hold control characters: a provider name with an ESC aborted the process.
    code, out, err = run(capsys, "report", "--source", hostile, "--out", str(tmp_path / "r"))
    assert code == 0 and out == "" and "report written" in err
    page = (tmp_path / "r" / "report.html").read_text()
    svgs = [base64.b64decode(uri).decode() for uri in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)]
    assert svgs and not [s for s in svgs if "\x1b" in s]
    assert [s for s in svgs if r"\x1b]0;pwned\x07" in s]


# --- item 17: verify-backfill's Markdown escapes what comes from the data ----------------------------


def test_verify_backfill_markdown_escapes_data_like_the_report(capsys, hostile, tmp_path):
    code, out, _ = run(capsys, "verify-backfill", "--source", hostile, "--format", "markdown")
    assert code in (0, 3)
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "a\\|b" in out and "| a|b" not in out
    assert run(capsys, "report", "--source", hostile, "--out", str(tmp_path / "r"))[0] == 0
    report_md = (tmp_path / "r" / "report.md").read_text()
    assert "<img" not in report_md and "&lt;img src=x onerror=alert(1)&gt;" in report_md
