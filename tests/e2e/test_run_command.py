"""`make run`'s runner as a developer uses it: demo content, its reply e-mail in the sink,
and Ctrl-C stopping every process it started, the embedded Redis included."""

import os
import subprocess
import sys
from pathlib import Path

import httpx
import psutil

from devserver.launch import launch
from tests.conftest import wait_for


def test_runner_loads_the_demo_and_ctrl_c_leaves_no_orphans(tmp_path: Path) -> None:
    launched = launch(tmp_path, None, demo=True)
    process, urls, log = launched.process, launched.urls, launched.log
    try:
        started = psutil.Process(process.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in started)
        assert "redis-server" in names and "aiosmtpd" in names
        assert names.count("-m celery") >= 4 and names.count("-m uvicorn") >= 4
        assert "editor token" in log.read_text()
        token = log.read_text().split("editor token")[1].split()[0]
        demo_editor = httpx.get(f"{urls['posts']}/api/posts/editors/me",
                                headers={"Authorization": f"Bearer {token}"}).json()
        assert demo_editor["can_manage_editors"] is True  # may make the other editors
        inbox = tmp_path / "mail" / "new"
        wait_for(lambda: inbox.exists() and any(inbox.iterdir()), what="the demo reply e-mail")
        # Feeds render on their own schedule, not in step with the notify service's mail.
        wait_for(lambda: httpx.get(f"{urls['feeds']}/feeds/site.atom").text.count("<entry>") == 3,
                 what="the three demo articles in the site feed")
        # A command run beside it, with no BURG_REDIS_URL, finds the running Redis...
        assert cli(tmp_path).returncode == 0
    finally:
        launched.stop()
    assert process.returncode is not None
    _gone, alive = psutil.wait_procs(started, timeout=10)
    assert alive == [], f"left running: {[p.cmdline() for p in alive]}"
    # ...and once it has stopped, says what to do instead of starting a Redis of its own.
    after = cli(tmp_path)
    assert after.returncode != 0 and "start `make run`, or set BURG_REDIS_URL" in after.stderr


def cli(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BURG_REDIS_URL"}
    return subprocess.run([sys.executable, "-m", "services.notify.cli", "dead-letters"],
                          env=env | {"BURG_DATA_DIR": str(data_dir)}, capture_output=True,
                          text=True, timeout=60)
