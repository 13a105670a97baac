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
    stale = ledger.claim(session_factory, workspace_id="w", key=KEY, now=later)
    assert (stale.mode, stale.repost_ok) == ("check", True)  # its post may be in Slack: look before re-posting
    won = [ledger.retake(session_factory, workspace_id="w", checked=stale, now=later).mode for _ in range(2)]
    assert won == ["post", "busy"]


def test_a_pending_row_is_checked_after_a_minute_and_reposted_only_when_stale(session_factory):
    first = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW)
    assert first.post_key and len(first.post_key) == 32
    assert ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW + timedelta(seconds=59)).mode == "busy"
    orphan = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW + ledger.CHECK_PENDING_AFTER)
    # its worker may have posted and lost the database: look for it, but a live worker may still be posting
    assert (orphan.mode, orphan.post_key, orphan.repost_ok) == ("check", first.post_key, False)
    assert orphan.since == NOW


def test_an_unsure_row_is_checked_at_once_and_reposted_after_settling(session_factory):
    first = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW)
    ledger.mark_unsure(session_factory, workspace_id="w", claim_id=first.id, error="unknown_outcome", now=NOW)
    soon = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW + timedelta(seconds=5))
    assert (soon.mode, soon.repost_ok) == ("check", False)
    settled = ledger.claim(session_factory, workspace_id="w", key=KEY, now=NOW + ledger.SETTLE)
    assert (settled.mode, settled.repost_ok, settled.post_key) == ("check", True, first.post_key)
    again = ledger.retake(session_factory, workspace_id="w", checked=settled, now=NOW + ledger.SETTLE)
    assert again.mode == "post" and again.post_key == first.post_key  # the same key: any copy is found by it
    # mark_unsure never overwrites a row another worker found posted meanwhile
    ledger.mark_posted(session_factory, workspace_id="w", claim_id=first.id, ts="1.2", thread_ts=None, digest="d",
                       now=NOW + ledger.SETTLE)
    ledger.mark_unsure(session_factory, workspace_id="w", claim_id=first.id, error="late", now=NOW + ledger.SETTLE)
    assert ledger.find(session_factory, workspace_id="w", key=KEY).status == "posted"


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
    assert not lease.acquire(session_factory, name=name, holder="a", now=NOW + timedelta(seconds=152), ttl=ttl)
    lease.release(session_factory, name=name, holder="b")  # released before its ttl: free at once
    assert lease.acquire(session_factory, name=name, holder="a", now=NOW + timedelta(seconds=153), ttl=ttl)


def test_concurrent_acquire_has_one_winner(session_factory):
    name = lease.lease_name("w")
    with ThreadPoolExecutor(4) as pool:
        wins = list(pool.map(lambda h: lease.acquire(session_factory, name=name, holder=f"h{h}", now=NOW), range(6)))
    assert wins.count(True) == 1


def test_one_holder_renewing_from_several_threads_at_once_always_leads(session_factory):
    """The worker's lease job and a job renewing before it raced to insert the first row: the loser
    of the insert is the same holder and must still lead (it skipped its job before)."""
    for attempt in range(5):
        name = f"race-{attempt}"
        with ThreadPoolExecutor(4) as pool:
            won = list(pool.map(lambda _: lease.acquire(session_factory, name=name, holder="me", now=NOW), range(4)))
        assert won == [True] * 4
