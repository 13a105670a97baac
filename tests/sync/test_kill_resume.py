"""A sync killed with SIGKILL mid-run and re-run loses nothing and duplicates nothing."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.storage.models import SyncCheckpoint, TicketRow
from tests.fakes.loopback import serve
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
workspace_id = "T1"
[sources.zendesk]
backfill_days = 3650
page_size = 10
"""


def environment(tmp_path, db_url, base_url):
    config = tmp_path / "signalroom.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return {
        "PATH": os.environ.get("PATH", ""),
        "SIGNALROOM_CONFIG": str(config),
        "SIGNALROOM_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": db_url,
        "ZENDESK_URL": base_url,
        "ZENDESK_EMAIL": "agent@example.com",
        "ZENDESK_API_TOKEN": "tok",
        "SIGNALROOM_LOG_LEVEL": "WARNING",
    }


def stored(session_factory):
    with session_factory() as session:
        total = session.scalar(select(func.count()).select_from(TicketRow))
        distinct = session.scalar(select(func.count(func.distinct(TicketRow.external_id))))
        checkpoint = session.scalar(select(SyncCheckpoint.value))
    return total, distinct, checkpoint


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_sync_then_rerun_loses_and_duplicates_nothing(tmp_path, db_url, session_factory, capsys):
    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 301)] + [zendesk_ticket(301, status="deleted")])
    fake.gate_after = 8  # the 9th request hangs until we have killed the process
    with serve(fake) as base_url:
        env = environment(tmp_path, db_url, base_url)
        process = subprocess.Popen([sys.executable, "-m", "bot", "sync"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            assert fake.gated.wait(timeout=60), process.stderr.read().decode()[-2000:]
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            process.stderr.close()
        assert process.returncode == -signal.SIGKILL
        total, distinct, checkpoint = stored(session_factory)
        # Whole pages only, each with its checkpoint: 8 fetched; the prefetch may still have been storing the 8th.
        assert total == distinct and total in (70, 80)
        killed_cursor = checkpoint["cursor"]

        fake.gate_after = None
        fake.gate.set()
        before = len(fake.requests)
        assert main(["sync"], env=env) == 0
        resumed = fake.requests[before:]
        assert resumed[0].url.params["cursor"] == killed_cursor  # picked up exactly where it stopped
        killed_total = total
        total, distinct, checkpoint = stored(session_factory)
        assert total == distinct == 301
        with session_factory() as session:
            assert session.scalar(select(func.count()).where(TicketRow.deleted)) == 1
        out = capsys.readouterr().out
        resumed_count = 301 - killed_total
        assert f"zendesk: {resumed_count} fetched, {resumed_count} inserted" in out and "sync: 1 source(s)" in out

        assert main(["sync"], env=env) == 0  # nothing new: nothing changes
        assert stored(session_factory)[0] == 301


def test_crash_inside_the_page_transaction_rolls_back_tickets_and_checkpoint(session_factory):
    import httpx

    from bot.sync.service import run_sync
    from integrations.base import Checkpoint, TicketPage
    from integrations.zendesk import ZendeskAdapter

    fake = FakeZendesk([zendesk_ticket(i) for i in range(1, 21)])
    real = ZendeskAdapter(httpx.Client(transport=httpx.MockTransport(fake)), base_url="https://a.zendesk.com",
                          email="e", api_token="t", page_size=10, sleep=lambda s: None)

    class CrashOnSecondPage:
        name = "zendesk"

        def pages(self, checkpoints, *, start):
            for number, page in enumerate(real.pages(checkpoints, start=start), 1):
                if number == 2:  # a checkpoint that cannot be written: the flush fails mid-transaction
                    page = TicketPage(page.tickets, Checkpoint("zendesk", "tickets", {"cursor": object()}))
                yield page

    from datetime import UTC, datetime

    summary = run_sync(session_factory=session_factory, adapters=[CrashOnSecondPage()], workspace_id="T1",
                       start=datetime(2020, 1, 1, tzinfo=UTC))
    assert not summary.sources[0].ok and "unexpected" in summary.sources[0].error
    total, distinct, checkpoint = stored(session_factory)
    assert total == 10  # page 2's tickets went with its checkpoint
    summary = run_sync(session_factory=session_factory, adapters=[real], workspace_id="T1",
                       start=datetime(2020, 1, 1, tzinfo=UTC))
    assert summary.ok and stored(session_factory)[:2] == (20, 20)


def test_prefetch_keeps_order_bounds_lookahead_and_raises_where_it_failed():
    from bot.sync.service import prefetched

    produced = []

    def pages():
        for n in range(5):
            produced.append(n)
            yield n
        raise RuntimeError("page 6 never parsed")

    consumed = []
    with pytest.raises(RuntimeError, match="page 6"):
        for page in prefetched(pages(), depth=1):
            consumed.append(page)
            assert len(produced) <= len(consumed) + 2  # one buffered, one being made: never more
    assert consumed == [0, 1, 2, 3, 4]
