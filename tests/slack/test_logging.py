"""Library loggers follow the configured levels, Bolt's child loggers included; refused requests leave no body."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot import logs


@pytest.fixture
def configured(capsys) -> Iterator[pytest.CaptureFixture]:
    root = logging.getLogger()
    level = root.level
    try:
        yield capsys
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_signalroom", False)]:
            root.removeHandler(handler)
        root.setLevel(level)


def test_bolt_child_loggers_follow_the_library_level_whenever_they_are_made(configured):
    from slack_bolt.logger import get_bolt_logger

    class Early:
        pass

    class Late:
        pass

    early = get_bolt_logger(Early)  # made before configure: Bolt gives it the root's level
    early.setLevel(logging.DEBUG)
    logs.configure("INFO")
    late = get_bolt_logger(Late)  # made after: Bolt copies the root's INFO onto it
    for logger in (early, late):
        logger.info("chatty %s", logger.name)
        logger.warning("worth seeing %s", logger.name)
    logging.getLogger("bot.example").info("our own info")
    err = configured.readouterr().err
    assert "chatty" not in err
    assert "worth seeing slack_bolt.Early" in err and "worth seeing slack_bolt.Late" in err
    assert "our own info" in err


def test_debug_lets_library_detail_through(configured):
    from slack_bolt.logger import get_bolt_logger

    class Detail:
        pass

    logs.configure("DEBUG")
    get_bolt_logger(Detail).debug("library detail")
    assert "library detail" in configured.readouterr().err
