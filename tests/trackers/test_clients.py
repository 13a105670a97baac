"""The Jira and Linear clients against strict fakes served on loopback: auth, payload shapes, 429, not found."""
from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from integrations.trackers.base import IssueDraft, TrackerAuthError, TrackerError, TrackerNotFoundError
from integrations.trackers.jira import JiraClient, adf_document
from integrations.trackers.linear import LinearClient
from tests.fakes.loopback import serve
from tests.trackers.fakes import JIRA_EMAIL, JIRA_TOKEN, LINEAR_KEY, FakeJira, FakeLinear

DRAFT = IssueDraft("Payment failed on the new billing page",
                   "174 tickets this week, +129 % over the 4-week average\nExample: https://acme.zendesk.com/agent/tickets/1",
                   "PAY", "Bug", ("support-signal",))


def jira(base_url: str, *, token: str = JIRA_TOKEN, slept: list | None = None) -> JiraClient:
    return JiraClient(httpx.Client(timeout=5), base_url=base_url, email=JIRA_EMAIL, api_token=token,
                      sleep=(slept.append if slept is not None else lambda s: None))


def linear(base_url: str, *, key: str = LINEAR_KEY, slept: list | None = None) -> LinearClient:
    return LinearClient(httpx.Client(timeout=5), api_key=key, base_url=base_url,
                        sleep=(slept.append if slept is not None else lambda s: None))


def test_adf_paragraph_per_line_and_links_as_marks():
    doc = adf_document("Volume up\n\nSee https://x.test/t/1, then more")
    assert doc["type"] == "doc" and doc["version"] == 1 and len(doc["content"]) == 2
    nodes = doc["content"][1]["content"]
    assert nodes[1] == {"type": "text", "text": "https://x.test/t/1",
                        "marks": [{"type": "link", "attrs": {"href": "https://x.test/t/1"}}]}
    assert nodes[0]["text"] == "See " and nodes[2]["text"] == ", then more"


def test_jira_creates_reads_and_sees_resolution():
    fake = FakeJira()
    with serve(fake) as url:
        client = jira(url)
        assert client.check() == "Signalroom bot"
        issue = client.create_issue(DRAFT)
        assert (issue.key, issue.url) == ("PAY-1", f"{url}/browse/PAY-1")
        fields = fake.created[0]
        assert fields["project"] == {"key": "PAY"} and fields["issuetype"] == {"name": "Bug"}
        assert fields["labels"] == ["support-signal"] and fields["description"]["type"] == "doc"
        assert client.get_issue("PAY-1").category == "todo"
        fake.resolve("PAY-1", datetime(2026, 12, 3, 10, 15, tzinfo=UTC))
        done = client.get_issue("PAY-1")
        assert (done.category, done.status, done.resolved_at) == ("done", "Done", datetime(2026, 12, 3, 10, 15, tzinfo=UTC))


@pytest.mark.parametrize("resolution", ["Won't Do", "Won\u2019t Fix", "Duplicate", "Cannot Reproduce"])
def test_jira_done_without_a_fix_is_canceled_not_resolved(resolution):
    fake = FakeJira()
    with serve(fake) as url:
        client = jira(url)
        client.create_issue(DRAFT)
        client.create_issue(DRAFT)
        fake.resolve("PAY-1", datetime(2026, 12, 3, 10, 15, tzinfo=UTC), status="Closed", resolution=resolution)
        fake.resolve("PAY-2", datetime(2026, 12, 3, 10, 15, tzinfo=UTC), status="Closed", resolution="Fixed")
        closed, fixed = client.get_issue("PAY-1"), client.get_issue("PAY-2")
    assert (closed.category, closed.status, closed.resolved_at) == ("canceled", "Closed", None)
    assert fixed.category == "done" and fixed.resolved_at == datetime(2026, 12, 3, 10, 15, tzinfo=UTC)


def test_jira_waits_out_one_429_with_retry_after():
    fake, slept = FakeJira(), []
    fake.fail_next("429", retry_after=2)
    with serve(fake) as url:
        assert jira(url, slept=slept).create_issue(DRAFT).key == "PAY-1"
    assert fake.count_429 == 1 and len(fake.created) == 1 and 2.0 <= slept[0] < 2.5


def test_jira_faults_bad_token_deleted_project_unknown_issue_bad_type():
    fake = FakeJira()
    with serve(fake) as url:
        with pytest.raises(TrackerAuthError, match="JIRA_EMAIL and JIRA_API_TOKEN"):
            jira(url, token="wrong").create_issue(DRAFT)
        fake.projects.pop("PAY")
        with pytest.raises(TrackerNotFoundError, match="project PAY"):
            jira(url).create_issue(DRAFT)
        fake.projects["PAY"] = ("Task",)
        with pytest.raises(TrackerError, match="issuetype: Specify a valid issue type"):
            jira(url).create_issue(DRAFT)
        with pytest.raises(TrackerNotFoundError, match="PAY-99 not found"):
            jira(url).get_issue("PAY-99")
    assert fake.created == [] and "wrong" not in repr(fake.requests[0].headers.get("authorization"))


def test_jira_keeps_retrying_only_so_long():
    fake = FakeJira()
    fake.fail_next("429", retry_after=1, times=5)
    with serve(fake) as url, pytest.raises(TrackerError, match="rate limited"):
        jira(url).create_issue(DRAFT)
    assert fake.created == []


def test_linear_creates_reads_and_sees_completion():
    fake = FakeLinear(label_ids=("label-1",))
    with serve(fake) as url:
        client = linear(url)
        assert client.check() == "Signalroom bot"
        issue = client.create_issue(IssueDraft("Payment failed", "174 tickets", "team-uuid-1", labels=("label-1",)))
        assert issue.key == "ENG-1" and issue.url.endswith("/ENG-1") and issue.category == "todo"
        assert fake.created[0] == {"teamId": "team-uuid-1", "title": "Payment failed", "description": "174 tickets",
                                   "labelIds": ["label-1"]}
        assert fake.requests[-1].headers["authorization"] == LINEAR_KEY  # the key itself, no Bearer
        fake.complete("ENG-1", datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
        done = client.get_issue("ENG-1")
        assert done.category == "done" and done.resolved_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_linear_waits_out_ratelimited_until_its_millisecond_reset():
    now = 1_800_000_000.0
    fake, slept = FakeLinear(clock=lambda: now), []
    fake.fail_next("RATELIMITED", retry_after=3)
    with serve(fake) as url:
        client = LinearClient(httpx.Client(timeout=5), api_key=LINEAR_KEY, base_url=url, sleep=slept.append,
                              clock=lambda: now)
        assert client.create_issue(IssueDraft("T", "d", "team-uuid-1")).key == "ENG-1"
    assert fake.count_429 == 1 and 3.0 <= slept[0] < 3.5 and len(fake.created) == 1


def test_linear_faults_bad_key_unknown_team_unknown_issue():
    fake = FakeLinear()
    with serve(fake) as url:
        with pytest.raises(TrackerAuthError, match="LINEAR_API_KEY"):
            linear(url, key="lin_api_wrong").check()
        with pytest.raises(TrackerNotFoundError, match="Team"):
            linear(url).create_issue(IssueDraft("T", "d", "deleted-team"))
        with pytest.raises(TrackerNotFoundError):
            linear(url).get_issue("ENG-404")
    assert fake.created == []
