"""What a fresh start writes — the var directory, the generated keys, the SQLite database — is
readable by the service account only, whatever umask the service was started with."""

from pathlib import Path

from django.core.files.storage import storages

from saohei.testing.processes import run_manage, server_environment

PRIVATE_FILES = ("secret_key", "data_keys.json", "audit_key", "index_key", "saohei.sqlite3")


def _start(var_dir: Path) -> None:
    """What `make run` does first, with the permissive umask of a default login shell."""
    result = run_manage(server_environment(var_dir), "createcachetable", umask=0o022)
    assert result.returncode == 0, result.stderr


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_a_fresh_var_directory_its_keys_and_the_sqlite_file_are_private(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    _start(var_dir)
    assert _mode(var_dir) == 0o700
    for name in PRIVATE_FILES:
        assert _mode(var_dir / name) == 0o600, name
    for journal in var_dir.glob("saohei.sqlite3-*"):
        assert _mode(journal) == 0o600, journal.name


def test_an_existing_open_var_directory_is_closed_to_others(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    var_dir.mkdir(mode=0o755)
    var_dir.chmod(0o755)
    _start(var_dir)
    assert _mode(var_dir) == 0o700


def test_static_files_stay_readable_by_the_proxy() -> None:
    static = storages["staticfiles"]
    assert static.file_permissions_mode == 0o644  # type: ignore[attr-defined]
    assert static.directory_permissions_mode == 0o755  # type: ignore[attr-defined]
