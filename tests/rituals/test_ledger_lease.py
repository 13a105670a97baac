from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from bot.rituals import lease, ledger

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
KEY = ledger.Key("weekly_review", "C0REVIEW", "2026-W48")


def test_claim_is_insert_or_get(session_factory):
    first = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW)
    second = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW)
    assert (first.mode, second.mode) == ("post", "busy")
    ledger.mark_posted(session_factory, workspace_id="w", claim_id=first.id, ts="1.1", thread_ts=None, digest="d", now=NOW)
    again = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW)
    assert (again.mode, again.ts, again.payload_hash) == ("edit", "1.1", "d")
    # another workspace is another row
    assert ledger.claim(session_factory, workspace_id="other", key=KEY, now=NOW).mode == "post"


def test_failed_and_stale_rows_are_taken_over_once(session_factory):
    first = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW)
    ledger.mark_failed(session_factory, workspace_id="w", claim_id=first.id, error="not_in_channel", now=NOW)
    modes = [ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW + timedelta(minutes=1)).mode
             for _ in range(2)]
    assert modes == ["post", "busy"]
    later = NOW + timedelta(minutes=1) + ledger.STALE_PENDING + timedelta(seconds=1)
    assert ledger.claim(session_factory, workspace_id="w", key=KEY, now=later).mode == "post"


def test_concurrent_claims_yield_one_poster(session_factory):
    def attempt(_):
        return ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW).mode

    with ThreadPoolExecutor(4) as pool:
        modes = list(pool.map(attempt, range(8)))
    assert modes.count("post") == 1 and modes.count("busy") == 7


def test_lease_has_one_holder_until_expiry(session_factory):
    name = lease.lease_name("w")
    ttl = timedelta(seconds=90)
    assert lease.acquire(session_factory, name=name, holder="a", now=NOW, ttl=ttl)
    assert not lease.acquire(session_factory, name=name, holder="b", now=NOW + timedelta(seconds=30), ttl=ttl)
    assert lease.acquire(session_factory, name=name, holder="a", now=NOW + timedelta(seconds=60), ttl=ttl)  # renew
    assert not lease.acquire(session_factory, name=name, holder="b", now=NOW + timedelta(seconds=120), ttl=ttl)
    # a leader that stops renewing loses the lease after ttl
    assert lease.acquire(session_factory, name=name, holder="b", now=NOW + timedelta(seconds=151), ttl=ttl)
    assert lease.current_holder(session_factory, name=name, now=NOW + timedelta(seconds=152)) == "b"
    lease.release(session_factory, name=name, holder="b")
    assert lease.current_holder(session_factory, name=name, now=NOW + timedelta(seconds=153)) is None


def test_concurrent_acquire_has_one_winner(session_factory):
    name = lease.lease_name("w")
    with ThreadPoolExecutor(4) as pool:
        wins = list(pool.map(lambda h: lease.acquire(session_factory, name=name, holder=f"h{h}", now=NOW), range(6)))
    assert wins.count(True) == 1
