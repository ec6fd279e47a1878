"""Give a learner their own copies of the course notebooks, so running them never writes into git-tracked files.

``make lab`` runs this, then starts JupyterLab rooted at the copies with autosave off. Together they keep the
tracked notebooks clean, the way course repositories usually do:

1. **Learners work on copies.** Every notebook of ``notebooks/`` is copied into ``my-notebooks/`` (ignored by
   git) when the copy does not exist yet; a copy that exists is never overwritten, so a learner's answers and
   outputs survive ``git pull`` and the next ``make lab``. JupyterLab is started with ``my-notebooks/`` as its
   root, so the tracked originals are not even in its file browser. When an original has changed since the
   copy was made, this script says so (delete or rename the copy to get the new version).
2. **Autosave is off** in that JupyterLab: ``make lab`` passes ``--LabApp.app_settings_dir=deploy/lab``, whose
   ``overrides.json`` sets ``autosave: false``. Only ``make lab`` reads it; the environment (and a JupyterHub
   using it) keeps JupyterLab's defaults. "Run All" then writes nothing until the learner saves.

    python tools/lab_setup.py [--source notebooks] [--dest my-notebooks]
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "deploy" / "lab"  # JupyterLab's app_settings_dir for make lab: overrides.json
SOURCE = ROOT / "notebooks"
DEST = ROOT / "my-notebooks"


def learner_copies(source: Path = SOURCE, dest: Path = DEST) -> tuple[list[Path], list[Path]]:
    """Copy each notebook of ``source`` (subfolders included) into ``dest`` unless a copy exists; return
    (copied, copies whose original has changed since). Existing copies are never touched."""
    copied, changed = [], []
    for original in sorted(source.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in original.parts:
            continue
        copy = dest / original.relative_to(source)
        if copy.exists():
            if original.stat().st_mtime > copy.stat().st_mtime and original.read_bytes() != copy.read_bytes():
                changed.append(copy)
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(original, copy)
        copied.append(copy)
    return copied, changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the course notebooks (default: notebooks/)")
    parser.add_argument("--dest", type=Path, default=DEST, help="the learner's copies (default: my-notebooks/)")
    args = parser.parse_args(argv)
    try:
        copied, changed = learner_copies(args.source, args.dest)
    except OSError as exc:
        print(f"lab_setup: cannot copy the notebooks into {args.dest}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Your notebooks are copies in {args.dest}/ ({len(copied)} new); the course's originals stay untouched. "
          f"Autosave is off: save with Ctrl+S to keep your work.")
    for copy in changed:
        print(f"  the course has a newer {copy.relative_to(args.dest)}: delete or rename your copy to get it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
