"""CSAT comments (issue 11.5): stored redacted from all three vendors, never when subjects are not stored,
and the latest unsatisfied ones shown in account risk and in a digest theme's thread detail."""
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import select

from bot.config import load_settings
from bot.rituals import accounts, digests
from bot.storage.models import TicketRow
from bot.sync.service import run_sync
from integrations.freshdesk import FreshdeskAdapter
from integrations.intercom import IntercomAdapter
from integrations.zendesk import ZendeskAdapter
from tests.fakes.clock import FakeClock
from tests.fakes.freshdesk import FakeFreshdesk, freshdesk_rating, freshdesk_ticket
from tests.fakes.intercom import FakeIntercom, intercom_conversation
from tests.fakes.zendesk import FakeZendesk, zendesk_ticket
from tests.rituals import factories as f

WS = "default"
START = datetime(2020, 1, 1, tzinfo=UTC)
SAID = "Waited 3 days, call me on +49 30 1234567 or jane@example.com"
REDACTED = "Waited [number] days, call me on [phone] or [email]"


def _client(fake):
    return httpx.Client(transport=httpx.MockTransport(fake))


def _adapters(store: bool):
    clock = FakeClock()
    common = {"sleep": clock.sleep, "clock": clock.time, "store_free_text": store}
    zd = FakeZendesk([zendesk_ticket(1, status="solved", satisfaction_rating={"score": "bad", "comment": SAID}),
                      zendesk_ticket(2, status="solved", satisfaction_rating={"score": "good", "comment": "Great"})])
    fd = FakeFreshdesk([freshdesk_ticket(1, status=4)], ratings=[dict(freshdesk_rating(1, -103), feedback=SAID)])
    ic = FakeIntercom([intercom_conversation(1, state="closed", conversation_rating={"rating": 1, "remark": SAID})])
    return [ZendeskAdapter(_client(zd), base_url="https://acme.zendesk.com", oauth_token="t", **common),
            FreshdeskAdapter(_client(fd), base_url="https://acme.freshdesk.com", api_key="k", **common),
            IntercomAdapter(_client(ic), access_token="x", **common)]


def _comments(session_factory):
    with session_factory() as session:
        return {(r.source, r.external_id): (r.csat, r.csat_comment, r.raw)
                for r in session.scalars(select(TicketRow))}


def test_comments_are_stored_redacted_from_every_vendor(session_factory):
    assert run_sync(session_factory=session_factory, adapters=_adapters(True), workspace_id=WS, start=START).ok
    stored = _comments(session_factory)
    assert {key: value[:2] for key, value in stored.items()} == {
        ("zendesk", "1"): ("unsatisfied", REDACTED), ("zendesk", "2"): ("satisfied", "Great"),
        ("freshdesk", "1"): ("unsatisfied", REDACTED), ("intercom", "1"): ("unsatisfied", REDACTED)}


def test_nothing_of_a_comment_is_stored_without_subjects(session_factory):
    summary = run_sync(session_factory=session_factory, adapters=_adapters(False), workspace_id=WS, start=START,
                       store_subject=False)
    assert summary.ok
    for (source, key), (csat, comment, raw) in _comments(session_factory).items():
        assert csat is not None and comment is None, (source, key)
        assert "jane@example.com" not in str(raw) and "Great" not in str(raw), (source, key)


def _settings(tmp_path):
    path = tmp_path / "signalroom.toml"
    path.write_text('timezone = "UTC"\n[slack]\ncs_channel = "C0CS"\n[accounts]\nrepeat_contacts = 3\n'
                    'repeat_window_days = 14\n[product_areas]\nbilling = ["billing"]\n'
                    '[[routing]]\nproduct_area = "billing"\nchannel = "C0BILLING"\n', encoding="utf-8")
    return load_settings({}, config_path=str(path))


def test_latest_unsatisfied_comments_in_account_risk_and_digest_detail(tmp_path, session_factory):
    settings = _settings(tmp_path)
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    with session_factory.begin() as s:
        for n, (hours, csat, comment) in enumerate([(90, "unsatisfied", "Oldest complaint"),
                                                    (60, "unsatisfied", "Still <b>broken</b> & slow"),
                                                    (30, "satisfied", "Lovely"),
                                                    (20, "unsatisfied", "Newest complaint"),
                                                    (10, "unsatisfied", None)]):
            s.add(f.ticket(100 + n, now - timedelta(hours=hours), organization="Acme", csat=csat,
                           csat_comment=comment, tags=("billing", "refund"), solved_after=timedelta(hours=1)))
    with session_factory() as s:
        (risk,) = accounts.gather(s, settings=settings, now=now, period="p").accounts
        assert risk.comments == ("Newest complaint", "Still <b>broken</b> & slow")
        text = accounts.render_report(accounts.AccountReport("C0CS", "p", 14, 3, (risk,))).blocks[2]["text"]["text"]
        assert "\n> “Newest complaint”\n> “Still &lt;b&gt;broken&lt;/b&gt; &amp; slow”" in text
        (digest,) = digests.gather(s, settings=settings, today=date(2026, 11, 23), period="p")  # the week of 16 Nov
        (theme,) = digest.themes
        assert theme.comments == ("Newest complaint", "Still <b>broken</b> & slow")
        _, [detail] = digests.render_digest(digest)
        assert "> “Newest complaint”" in detail.blocks[0]["text"]["text"]

    path = tmp_path / "signalroom.toml"
    path.write_text(path.read_text(encoding="utf-8") + "[privacy]\nstore_subject = false\n", encoding="utf-8")
    private = load_settings({}, config_path=str(path))
    with session_factory() as s:
        (risk,) = accounts.gather(s, settings=private, now=now, period="p").accounts
        assert risk.comments == ()  # nothing shown when free text is not to be kept
