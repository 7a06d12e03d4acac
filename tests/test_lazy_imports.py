"""A web worker at start loads none of the heavy libraries (tests/test_architecture.py
HEAVY): each worker keeps its memory for its pages (B5 in `make bench`), and a library
arrives with the first request that needs it (an export, a .docx agenda, an organisation
login, an .ics). A fresh interpreter, the app factory as gunicorn calls it."""

import json
import os
import subprocess
import sys

from tests.test_architecture import HEAVY, ROOT

PROBE = """
import json, sys
from consult import create_app
app = create_app({"SECRET_KEY": "probe", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.test_request_context("/healthz"):
    app.full_dispatch_request()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_fresh_worker_loads_no_heavy_library(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("CONSULT_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, f"sqlite:///{tmp_path / 'probe.db'}"], cwd=ROOT,
        env=env, capture_output=True, text=True, timeout=120, check=True)
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "consult" in loaded and "flask" in loaded  # the probe really ran the app
    assert not loaded & HEAVY, f"loaded at start: {sorted(loaded & HEAVY)}"
