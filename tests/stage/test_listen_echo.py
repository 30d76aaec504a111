"""The echo judge: a fresh filter's check of each speech run, and the rechecks of a turn
the host's echo opened, against scripted checks."""

from __future__ import annotations

from vhuman.dialogue.turns import TurnSettings
from vhuman.stage.listen.echo import EchoJudge

RATE = 16000


class _Checks:
    """An echo suppressor whose checks say what they are told (dB cancelled)."""

    verify_db, person_db = 6.0, 4.0

    def __init__(self, *cancelled: float | None) -> None:
        self.cancelled = list(cancelled)

    def check(self, *, adopt: bool = True) -> float | None:
        return self.cancelled.pop(0)


def _judge(*cancelled: float | None, explained: bool = False):
    frame_s = 512 / RATE
    judge = EchoJudge(TurnSettings(barge_in_s=0.3), frame_s, _Checks(*cancelled))  # type: ignore[arg-type]
    for _ in range(10):
        judge.frame(True, explained)
    return judge


def _checks_fired(judge, frames: int, explained: bool = False) -> list[int]:
    """The frames at which ``judge`` found a person in a turn it judged echo."""
    fired = []
    for k in range(1, frames):
        judge.frame(True, explained)
        if judge.person_now(True):
            fired.append(k)
    return fired


def test_a_run_is_judged_by_a_fresh_filters_check_and_a_turn_judged_echo_again():
    period = round(0.3 / (512 / RATE))
    # 9 dB: the echo; then 2 / 8 / 3 / none / 1 / 0.5 dB: a person in the last two in a row
    judge = _judge(9.0, 2.0, 8.0, 3.0, None, 1.0, 0.5)
    assert judge.speaking() is True
    assert _checks_fired(judge, 80) == [6 * period]
    assert not _checks_fired(judge, 40)  # once per turn
    judge.reset()
    assert not _checks_fired(judge, 40)  # no turn judged echo
    # low checks while the running filter explains the frames: the host's echo
    explained = _judge(9.0, 1.0, 1.0, 1.0, 1.0)
    assert explained.speaking() is True and not _checks_fired(explained, 4 * period + 1, True)
    assert _judge(2.0).speaking() is False  # a person, the running filter agreeing
    # in between: unsure, the next checks decide (one more where the filter did not explain it)
    assert _judge(5.0, explained=True).speaking() is True
    between = _judge(5.0, 5.0, explained=False)
    assert between.speaking() is True and _checks_fired(between, 40) == [period]
    assert _judge(None, explained=True).speaking() is True  # no program to check against
    # the running filter explained it, the check says a person: the next check decides
    unsure = _judge(2.0, 3.0, explained=True)
    assert unsure.speaking() is True
    assert _checks_fired(unsure, 40) == [period]
    assert EchoJudge(TurnSettings(), 0.032, None).speaking() is False  # no suppressor
    confirm_only = _judge(2.0, 1.0, 1.0)
    confirm_only.echo.person_db = None  # the check only confirms echo: the filter's word
    assert confirm_only.speaking() is False and not _checks_fired(confirm_only, 40)
    confirm_only = _judge(2.0, explained=True)
    confirm_only.echo.person_db = None
    assert confirm_only.speaking() is True and not _checks_fired(confirm_only, 40)
