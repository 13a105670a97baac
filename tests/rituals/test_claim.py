"""`lease.claim`/`claim_in`: the queue's "due once per period" mark, taken once a period and, inside a
caller's transaction, kept only when that transaction commits."""
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.rituals import lease
from bot.storage.models import Lease

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)
TTL = timedelta(minutes=15)


class QueueDown(Exception):
    pass


def test_a_claim_is_taken_once_a_period(session_factory):
    assert lease.claim(session_factory, name="due:rollup:T1", now=NOW, ttl=TTL)
    assert not lease.claim(session_factory, name="due:rollup:T1", now=NOW + TTL - timedelta(seconds=1), ttl=TTL)
    assert lease.claim(session_factory, name="due:rollup:T2", now=NOW, ttl=TTL)  # another workspace's
    assert lease.claim(session_factory, name="due:rollup:T1", now=NOW + TTL, ttl=TTL)  # the next period


@pytest.mark.parametrize("existing", [False, True], ids=["first claim", "expired claim"])
def test_a_claim_goes_with_a_transaction_that_fails(session_factory, existing):
    if existing:
        assert lease.claim(session_factory, name="due:alerts:T1", now=NOW - TTL, ttl=TTL)
    with pytest.raises(QueueDown), session_factory.begin() as session:
        assert lease.claim_in(session, name="due:alerts:T1", now=NOW, ttl=TTL)
        raise QueueDown  # what the claim marks was not done
    assert lease.claim(session_factory, name="due:alerts:T1", now=NOW, ttl=TTL)  # still free


def test_a_claim_lost_to_another_keeps_the_callers_transaction_usable(session_factory):
    assert lease.claim(session_factory, name="due:alerts:T1", now=NOW, ttl=TTL)
    with session_factory.begin() as session:
        assert not lease.claim_in(session, name="due:alerts:T1", now=NOW + timedelta(minutes=1), ttl=TTL)
        assert lease.claim_in(session, name="due:health:T1", now=NOW, ttl=TTL)
    with session_factory() as session:
        assert sorted(session.scalars(select(Lease.name))) == ["due:alerts:T1", "due:health:T1"]


def test_concurrent_claims_have_one_winner(session_factory):
    with ThreadPoolExecutor(4) as pool:
        wins = list(pool.map(lambda _: lease.claim(session_factory, name="due:sync:T1:emea", now=NOW, ttl=TTL),
                             range(6)))
    assert wins.count(True) == 1
