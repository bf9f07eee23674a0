"""Hints under replies name commands that work as typed: refs the session has (with #ID when a bare ref would mean
another session), and the nearest command for one mistyped. Through the command core as the console runs it."""
from __future__ import annotations

from datetime import datetime, timezone

from tests.conftest import Bot

UTC = timezone.utc


def test_an_unknown_command_suggests_the_nearest_from_the_registry(bot):
    """Issue 21: `sumbit` and `convene sesion list` got no suggestion."""
    assert bot("sumbit 2.6 Our view") == ("I don't know the command 'sumbit'. Did you mean submit? Type help for the "
                                         "list.")
    assert bot("convene sesion list") == "I don't know 'convene sesion'. Did you mean session list?\nAll commands: help"
    assert bot("sesion list") == "I don't know the command 'sesion'. Did you mean session list? Type help for the list."
    assert bot("convene sesion") == ("I don't know 'convene sesion'. Did you mean session list, session remove or "
                                     "session rename?\nAll commands: help")
    assert bot("agneda 2") == "I don't know the command 'agneda'. Did you mean agenda? Type help for the list."
    # Typed as the asker's front end types it; nothing close, no guess.
    slack = bot("sumbit 2.6 Our view", platform="slack", user="slack:T1:U1", room="slack:C1")
    assert slack == "I don't know the command 'sumbit'. Did you mean /submit? Type /convene help for the list."
    assert bot("xyzzy") == "I don't know the command 'xyzzy'. Type help for the list."
    assert bot("convene xyzzy") == "I don't know 'convene xyzzy'.\nAll commands: help"
