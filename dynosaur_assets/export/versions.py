"""Export versions on disk: `<root>/<name>/v<snapshot>/`, each written whole into a hidden temporary
folder and renamed into place (a failed export leaves no version), with `export.json` recording its
options; `<root>/<name>/latest` links to the newest version.

One snapshot and one name hold one set of options: exporting it again with the same options writes
nothing, with other options is refused (ExportConflict), since the folder's name would no longer say
what is in it. Different filters get different export names."""

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from dynosaur_assets.export.options import ExportOptions

MANIFEST = "export.json"
LATEST = "latest"
STALE_TEMP_S = 3600  # a temporary folder this old belongs to an export that died


class ExportConflict(RuntimeError):
    """The version folder exists with other options; the message says what to do."""


def version_folder(root: Path, name: str, snapshot: int) -> Path:
    return root / name / f"v{snapshot}"


def existing_manifest(folder: Path, options: ExportOptions) -> dict | None:
    """The manifest of the version when it was exported with these options; None when there is no
    version yet; ExportConflict when it holds other options."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    if manifest.get("options_hash") != options.digest():
        raise ExportConflict(
            f"{folder} already holds snapshot {manifest.get('snapshot')} exported with other options "
            f"({manifest.get('options')}); these options ({options.describe()}) need another export name "
            "(run config `name`, or DYNOSAUR_EXPORT_NAME)")
    return manifest


def write_version(folder: Path, write: Callable[[Path], dict]) -> dict:
    """Call `write(temporary folder)` for the files and the manifest it returns, then rename the folder
    into place and point `latest` at it; on any error the temporary folder is removed."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder.parent)
    temporary = folder.parent / f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        manifest = write(temporary)
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        os.rename(temporary, folder)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    point_latest(folder)
    return manifest


def point_latest(folder: Path) -> None:
    """`latest` beside the version folders links to this one unless it links to a newer snapshot."""
    link = folder.parent / LATEST
    if link.is_symlink() and _snapshot_of(os.readlink(link)) > _snapshot_of(folder.name):
        return
    staged = folder.parent / f".{LATEST}.tmp-{uuid.uuid4().hex[:8]}"
    staged.symlink_to(folder.name, target_is_directory=True)
    os.replace(staged, link)


def remove_stale_temporaries(parent: Path) -> None:
    """Remove temporary folders that exports which died left behind."""
    for path in parent.glob(".*.tmp-*"):
        if time.time() - path.lstat().st_mtime <= STALE_TEMP_S:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _snapshot_of(folder_name: str) -> int:
    digits = Path(folder_name).name.removeprefix("v")
    return int(digits) if digits.isdigit() else -1
