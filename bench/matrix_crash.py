"""Matrix crash soak: the real `convene run` process against a real Synapse, through crash cycles with commands sent
while the bot is down.

Each cycle: a few commands while the bot runs; the bot is stopped — SIGKILL (at a random moment, sometimes in the
middle of a burst) or, one cycle in four, SIGTERM; 5 to 60 commands are sent while it is down (more than a sync's
timeline of 10, so most restarts fill a gap), with an edit of one of them; then it starts again, one cycle in three
with a crash injected (CONVENE_FAILPOINT at a random point: with a gap half fetched, at the token commit, after
deciding, after sending), after which it starts once more. At the end, for every command sent: how many answers it
got, and for every state change how many times it was applied and in which order:

- `inputs append 2.6 PART` — each part must appear once in the final text, in the order sent;
- `submit 3.N TEXT` — each question's history must follow the send order, and the current text be the last sent
  (or its edit);
- `agenda 2` — read-only, answered once.

python -m bench matrix_crash (20 cycles; CONVENE_BENCH_CYCLES=N for another number, CONVENE_BENCH_SEED for another
random sequence), or python bench/matrix_crash.py N. Needs Synapse (.venv-synapse or
CONVENE_SYNAPSE_PYTHON, as the tests do).
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commands.importers.apply import import_file  # noqa: E402
from storage import groups as group_store  # noqa: E402
from storage import open_db  # noqa: E402
from storage import submissions as sub_store  # noqa: E402
from tests.conftest import SEED_AGENDA, process_env  # noqa: E402
from tests.fakes.synapse import Synapse, synapse_python  # noqa: E402

FAILPOINTS = ("matrix.gap_page", "matrix.before_commit", "matrix.after_decide", "matrix.after_send")


class Bot:
    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.proc = env, log, None
        self.kills = self.terms = self.injected = 0

    def start(self, failpoint: str | None = None):
        import subprocess
        env = dict(self.env)
        if failpoint:
            env["CONVENE_FAILPOINT"] = failpoint
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=ROOT,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.kills += 1
        self.proc.wait(30)

    def terminate(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.terms += 1
        self.proc.wait(60)


def run(cycles: int | None = None) -> dict:
    cycles = cycles or int(os.environ.get("CONVENE_BENCH_CYCLES") or 20)
    try:
        synapse_python()
    except RuntimeError as e:
        print(f"matrix_crash: skipped ({e})")
        return {}
    rng = random.Random(int(os.environ.get("CONVENE_BENCH_SEED") or 22))
    work = Path(tempfile.mkdtemp(prefix="convene-matrix-crash-"))
    (work / "synapse").mkdir()
    hs = Synapse(work / "synapse").start()
    started = time.monotonic()
    try:
        bot_user, coord, ana = hs.register("convene"), hs.register("coord"), hs.register("ana")
        db_path = work / "convene.db"
        db = open_db(db_path)
        room = coord.create_room("Contact group", invite=[bot_user.user_id, ana.user_id])
        ana.join(room)
        bot_user.join(room)
        g = group_store.create_group(db, "soak", "Soak group", registration="open")
        group_store.bind_room(db, g.id, f"matrix:{room}")
        group_store.set_delegation(db, g.id, f"matrix:{ana.user_id}", "Chile")
        import_file(db, g, str(SEED_AGENDA))
        env = process_env(db_path, MATRIX_HOMESERVER=hs.url, MATRIX_USER_ID=bot_user.user_id,
                          MATRIX_PASSWORD=bot_user.password)
        bot = Bot(env, work / "bot.log")
        bot.start()
        _wait_synced(db, bot_user.user_id)
        sent: list[str] = []                      # every command's event id, in send order
        parts: list[str] = []                     # append parts, in send order
        submits: dict[str, list[str]] = {}        # question → texts, in send order (an edit counts as sent there)
        down_sent = 0

        def send(text: str) -> str:
            ev = ana.send(room, text)
            sent.append(ev)
            return ev

        def one_command(tag: str) -> None:
            r = rng.random()
            if r < 0.45:
                parts.append(tag)
                send(f"!inputs append 2.6 {tag}")
            elif r < 0.8:
                ref = f"3.{rng.randint(1, 4)}"
                submits.setdefault(ref, []).append(tag)
                send(f"!submit {ref} {tag}")
            else:
                send("!agenda 2")

        send("!submit 2.6 base")
        _wait_answers(ana, room, bot_user.user_id, sent, 60)
        for cycle in range(cycles):
            for i in range(rng.randint(2, 6)):              # live, the bot may die in the middle
                one_command(f"c{cycle}l{i}")
                if rng.random() < 0.15:
                    break
            if rng.random() < 0.25:
                bot.terminate()
            else:
                time.sleep(rng.random() * 0.5)
                bot.kill()
            n = rng.randint(5, 60)
            for i in range(n):
                one_command(f"c{cycle}d{i}")
            # an edit made while down, of a submit sent while down
            ev = send(f"!submit 3.5 c{cycle}e")
            ana.edit(room, ev, f"!submit 3.5 c{cycle}e-edited")
            submits.setdefault("3.5", []).append(f"c{cycle}e-edited")
            down_sent += n + 1
            if rng.random() < 1 / 3:
                name = rng.choice(FAILPOINTS)
                point = f"{name}:{1 if name in ('matrix.gap_page', 'matrix.before_commit') else rng.randint(1, 3)}"
                bot.start(failpoint=point)
                try:
                    if bot.proc.wait(20) == 137:
                        bot.injected += 1
                except Exception:
                    bot.kill()
            bot.start()
            _wait_answers(ana, room, bot_user.user_id, sent, 120)
            print(f"  cycle {cycle + 1}/{cycles}: {len(sent)} sent so far", flush=True)
        _wait_answers(ana, room, bot_user.user_id, sent, 120)
        time.sleep(3)
        bot.terminate()
        result = _tally(db, g, ana, room, bot_user.user_id, sent, parts, submits)
        result.update(cycles=cycles, sigkills=bot.kills, sigterms=bot.terms, failpoint_crashes=bot.injected,
                      sent_while_down=down_sent, minutes=round((time.monotonic() - started) / 60, 1))
        log = (work / "bot.log").read_text()
        result["tracebacks_in_log"] = log.count("Traceback")
        _print(result)
        return result
    finally:
        hs.stop()
        if not os.environ.get("CONVENE_BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)      # CONVENE_BENCH_KEEP=1 keeps the logs and databases


def _wait_synced(db, mxid: str, timeout: float = 60) -> None:
    from storage import kv
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if kv.get(db, f"matrix:next_batch:{mxid}"):
            return
        time.sleep(0.2)
    raise RuntimeError("the bot did not sync")


def _answers(user, room, bot_id) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in _all_messages(user, room, bot_id):
        target = ((e["content"].get("m.relates_to") or {}).get("m.in_reply_to") or {}).get("event_id")
        if target:
            counts[target] = counts.get(target, 0) + 1
    return counts


def _all_messages(user, room, sender) -> list[dict]:
    """Every message of ``sender`` in the room (paging /messages backwards)."""
    import urllib.parse
    out, token = [], None
    while True:
        q = "dir=b&limit=1000" + (f"&from={urllib.parse.quote(token)}" if token else "")
        data = user.api("GET", f"/rooms/{urllib.parse.quote(room)}/messages?{q}")
        chunk = data.get("chunk") or []
        out += [e for e in chunk if e.get("type") == "m.room.message" and e.get("sender") == sender]
        if not chunk or not data.get("end") or data.get("end") == token:
            return out
        token = data["end"]


def _wait_answers(user, room, bot_id, sent, timeout) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = _answers(user, room, bot_id)
        if all(answers.get(ev) for ev in sent):
            return
        time.sleep(1)


def _tally(db, g, user, room, bot_id, sent, parts, submits) -> dict:
    answers = _answers(user, room, bot_id)
    per = [answers.get(ev, 0) for ev in sent]
    current = {s.ref: s for s in sub_store.of_group(db, g.id) if s.status == "current"}
    pieces = current["2.6"].text.split("\n\n")
    applied = [pieces.count(p) for p in parts]
    positions = [pieces.index(p) for p in parts if pieces.count(p) == 1]
    appends_out_of_order = sum(1 for a, b in zip(positions, positions[1:]) if b < a)
    submit_out_of_order = 0
    last_wrong = 0
    for ref, texts in submits.items():
        history = [h.text for h in sub_store.history(db, current[ref].id)] if ref in current else []
        seen = [t for t in history if t in texts]
        expected = [t for t in texts if t in seen]
        # the history, in the order applied, must follow the send order
        submit_out_of_order += 1 if seen != expected else 0
        if ref in current and current[ref].text != texts[-1]:
            last_wrong += 1
    submit_applied = {"0": 0, "1": 0, "2+": 0}
    for ref, texts in submits.items():
        history = [h.text for h in sub_store.history(db, current[ref].id)] if ref in current else []
        for t in texts:
            n = history.count(t)
            submit_applied["0" if n == 0 else "1" if n == 1 else "2+"] += 1
    return {
        "sent": len(sent),
        "answered_once": per.count(1), "answered_twice_or_more": sum(1 for n in per if n >= 2),
        "answered_never": per.count(0),
        "appends": len(parts), "appends_applied_0": applied.count(0), "appends_applied_1": applied.count(1),
        "appends_applied_2plus": sum(1 for n in applied if n >= 2), "appends_out_of_order": appends_out_of_order,
        "submits": sum(len(t) for t in submits.values()), "submits_applied": submit_applied,
        "questions_applied_out_of_order": submit_out_of_order, "questions_not_ending_on_last_sent": last_wrong,
    }


def _print(r: dict) -> None:
    print("matrix_crash: {cycles} crash cycles ({sigkills} SIGKILL, {sigterms} SIGTERM, {failpoint_crashes} "
          "failpoint crashes) in {minutes} min".format(**r))
    print("  commands sent: {sent} ({sent_while_down} while the bot was down)".format(**r))
    print("  answered once / twice or more / never: {answered_once} / {answered_twice_or_more} / "
          "{answered_never}".format(**r))
    print("  appends applied 0 / 1 / 2+ times: {appends_applied_0} / {appends_applied_1} / {appends_applied_2plus}; "
          "out of order: {appends_out_of_order}".format(**r))
    s = r["submits_applied"]
    print(f"  submits (incl. edits) applied 0 / 1 / 2+ times: {s['0']} / {s['1']} / {s['2+']}; questions applied out "
          f"of order: {r['questions_applied_out_of_order']}; not ending on the last sent: "
          f"{r['questions_not_ending_on_last_sent']}")
    print("  tracebacks in the bot's log: {tracebacks_in_log}".format(**r))


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else None)
