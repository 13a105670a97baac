"""No ticket text or email in CLI output or logs when the database refuses a row (issue 14, item 4).

PostgreSQL reports a CHECK violation with "DETAIL: Failing row contains (…)", every column of the row
included, and SQLAlchemy appends the SQL parameters: both used to reach the terminal and the worker log.
The database here refuses rows with priority 'poison' (a CHECK on PostgreSQL, a trigger on SQLite).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text

from bot.cli import main
from bot.storage.models import QuarantinedRecord, TicketRow
from tests.rituals.scenario import make_worker, settings

SECRET_SUBJECT = "Secret subject 7731"
SECRET_EMAIL = "jane.doe@example.com"
CSV = (
    "id,created_at,status,priority,requester,subject\n"
    "1,2026-03-02T09:00:00Z,open,high,a@example.com,Hello\n"
    f"2,2026-03-02T10:00:00Z,open,poison,{SECRET_EMAIL},{SECRET_SUBJECT}\n"
    "3,2026-03-02T11:00:00Z,open,low,b@example.com,Bye\n"
)
POISON_INSERT = ("INSERT INTO tickets (workspace_id, source, external_id, status, created_at, updated_at, priority, "
                 "requester, subject, tags, raw, reopens, reassignments, escalated, bot_involved, bot_resolved, "
                 "deleted, changed_at) VALUES ('T1', 'csv', '9', 'open', :at, :at, 'poison', :email, :subject, "
                 "'[]', '{}', 0, 0, false, false, false, false, :at)")


@pytest.fixture
def refusing(engine: Engine) -> Iterator[Engine]:
    """The database refuses any ticket whose priority is 'poison' (dropped again afterwards)."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE tickets ADD CONSTRAINT no_poison CHECK (priority <> 'poison')"))
        else:
            connection.execute(text("CREATE TRIGGER no_poison BEFORE INSERT ON tickets WHEN NEW.priority = 'poison' "
                                    "BEGIN SELECT RAISE(ABORT, 'no poison'); END"))
    yield engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE tickets DROP CONSTRAINT no_poison"))
        else:
            connection.execute(text("DROP TRIGGER no_poison"))


def _config(tmp_path) -> str:
    path = tmp_path / "signalroom.toml"
    path.write_text('workspace_id = "T1"\n')
    return str(path)


def _assert_clean(*texts: str) -> None:
    for output in texts:
        assert SECRET_SUBJECT not in output and SECRET_EMAIL not in output


def test_a_refused_csv_row_is_quarantined_and_reported_without_its_text(
    tmp_path, db_url, refusing, session_factory, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "tickets.csv"
    path.write_text(CSV)
    env = {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": _config(tmp_path)}

    assert main(["-v", "import", str(path)], env=env) == 0

    out, err = capsys.readouterr()
    _assert_clean(out, err, caplog.text)
    assert "imported tickets.csv: 3 rows, 2 inserted" in out and "1 rejected" in out
    (reported,) = [line for line in err.splitlines() if "line 3 (id 2)" in line]  # once, by line
    assert "refused by the database:" in reported and " in INSERT on tickets" in reported
    with session_factory() as session:
        assert sorted(session.scalars(select(TicketRow.external_id))) == ["1", "3"]
        (record,) = session.scalars(select(QuarantinedRecord))
    _assert_clean(record.reason)


def test_cli_failure_names_the_database_error_without_row_values(
    tmp_path, db_url, refusing, monkeypatch, capsys, caplog
):
    """The CLI's last-resort handler, given a real refusal (a command that writes the row directly)."""
    from datetime import UTC, datetime

    import bot.commands.import_csv as command

    def run(args, runtime) -> int:
        with runtime.session_factory().begin() as session:
            session.execute(text(POISON_INSERT),
                            {"at": datetime(2026, 3, 2, tzinfo=UTC), "email": SECRET_EMAIL, "subject": SECRET_SUBJECT})
        return 0

    monkeypatch.setattr(command, "run", run)
    caplog.set_level(logging.DEBUG)
    env = {"DATABASE_URL": db_url, "SIGNALROOM_CONFIG": _config(tmp_path)}

    assert main(["-v", "import", "unused.csv"], env=env) == 1

    out, err = capsys.readouterr()
    _assert_clean(out, err, caplog.text)
    assert "signalroom import: failed: " in err and "in INSERT on tickets" in err


def test_worker_logs_a_failed_job_by_kind_only(tmp_path, refusing, session_factory, caplog):
    from datetime import UTC, datetime

    worker = make_worker(settings(tmp_path), session_factory, "http://127.0.0.1:9/api/", [], holder="w1")
    raised: list[Exception] = []

    def job() -> None:
        try:
            with session_factory.begin() as session:
                session.execute(text(POISON_INSERT), {"at": datetime(2026, 3, 2, tzinfo=UTC), "email": SECRET_EMAIL,
                                                      "subject": SECRET_SUBJECT})
        except Exception as error:
            raised.append(error)
            raise

    caplog.set_level(logging.DEBUG)
    worker._as_leader("sync:csv", job)()

    (error,) = raised
    if refusing.dialect.name == "postgresql":
        assert SECRET_EMAIL in str(error.orig)  # what PostgreSQL says: the test would catch a leak
    _assert_clean(caplog.text)
    assert "job sync:csv failed: " in caplog.text and "in INSERT on tickets" in caplog.text


def test_describe_error_keeps_kind_and_drops_values():
    import sqlalchemy.exc

    from bot.errors import describe_error

    class CheckViolation(Exception):
        pass

    class OperationalError(Exception):
        pass

    refused = sqlalchemy.exc.IntegrityError(
        "INSERT INTO tickets (subject, requester) VALUES (%s, %s)", (SECRET_SUBJECT, SECRET_EMAIL),
        CheckViolation('invalid input syntax for type integer: "Secret subject 7731"\n'
                       f"DETAIL:  Failing row contains ({SECRET_SUBJECT}, {SECRET_EMAIL})."))
    described = describe_error(refused, record_id="42")
    assert described == "CheckViolation in INSERT on tickets for record 42: invalid input syntax for type integer: …"
    down = sqlalchemy.exc.OperationalError(
        "SELECT id FROM tickets WHERE x = %s", (SECRET_EMAIL,),
        OperationalError('connection to server at "db.internal" (10.0.0.5), port 5432 failed: Connection refused'))
    assert describe_error(down) == ('OperationalError in SELECT on tickets: connection to server at "db.internal" '
                                    "(10.0.0.5), port 5432 failed: Connection refused")
    assert describe_error(ValueError("plain")) == "ValueError: plain"


def test_any_log_line_with_a_database_error_keeps_only_its_kind(refusing, session_factory, capsys):
    """The handler's filter covers every `log.exception(...)` and `log.error("%s", error)`, not just the hooked ones."""
    from datetime import UTC, datetime

    from bot import logs

    try:
        with session_factory.begin() as session:
            session.execute(text(POISON_INSERT), {"at": datetime(2026, 3, 2, tzinfo=UTC), "email": SECRET_EMAIL,
                                                  "subject": SECRET_SUBJECT})
    except Exception as caught:  # noqa: BLE001 - the refusal under test
        error = caught
    logs.configure("INFO")
    try:
        log = logging.getLogger("bot.somewhere")
        try:
            raise error
        except Exception:
            log.exception("posting failed")
        log.error("job failed: %s", error)
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if getattr(h, "_signalroom", False)]:
            root.removeHandler(handler)
    err = capsys.readouterr().err
    _assert_clean(err)
    assert "posting failed" in err and "Traceback (most recent call last)" in err
    assert err.count(" in INSERT on tickets") == 2
