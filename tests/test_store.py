"""The database as several processes meet it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_backends_starting_together_both_open_a_new_database(tmp_path: Path) -> None:
    """Cluster backends start at the same moment on one database; both must
    run (or wait for) the migrations, never fail with "database is locked"."""
    path = tmp_path / "shared.db"
    # Each waits for the same moment, then opens: as close together as a
    # cluster's backends, whatever the import times.
    code = (
        "import sys, time; from app.store import open_db; "
        "time.sleep(max(0, float(sys.argv[2]) - time.time())); open_db(sys.argv[1]).close(); print('ok')"
    )
    at = str(time.time() + 3)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path), at],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [o.decode().strip() for o, _ in outs] == ["ok"] * 6, [e.decode()[-300:] for _, e in outs]
