#!/usr/bin/python3
"""UI test ui-tutorial (issue 9): a trainee takes the policy tutorial in the real app, driven
through AT-SPI.

- The app starts with the built-in sandbox, signs in as the practice user and offers the
  tutorial in its first-run banner (show-tutorial-on-start); the trainee opens it.
- A lesson: the first one teaches the shipped profile's first rule, with the clause's text,
  an example the guard flags and a similar one it lets through.
- A micro-lesson: the first time a rule stops a message, the guard dialog offers its lesson;
  the trainee opens it from there and cancels the message.
- A practice scenario in the real window: 张先生 (the scripted customer) asks for the
  customer list; the trainee pastes one, the guard stops it, the trainee cancels, and the
  practice banner says that was right.
- The quiz: the answers come from `tact-policy quiz --json --seed 1`, which generates the
  same quiz from the same profile (the app's first attempt); every question is answered
  right and the explanation is shown.
- The result: "Passed"; the completion is in the encrypted history (tact-history-query,
  table training) and its event in the sandbox's supervision room (read over HTTP as the
  department head, 王芳, who owns it).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import urllib.parse

import pyatspi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tactui import (App, button_named, click, fail, find, find_all, free_port,  # noqa: E402
                    fresh_env, has_size, http, open_room, poll, press_keys, query, role,
                    sandbox_login, set_text, sign_in, text_of)

ROOM = "Project Falcon"
SECRET = "这份机密报价单请查收"


def label_with(root, pred):
    return find(root, lambda n: role(n) == "label" and has_size(n) and pred(text_of(n)))


def tutorial_window(app):
    return poll("the Policy Tutorial window", lambda: find(
        app, lambda n: role(n) in ("frame", "window") and n.name == "Policy Tutorial" and has_size(n)))


def expected_quiz():
    cli = os.environ.get("TACT_POLICY_CLI", "_build/src/cli/tact-policy")
    out = subprocess.run([cli, "quiz", "--json", "--seed", "1"], check=True, capture_output=True,
                         text=True, timeout=60, env=dict(os.environ, LANGUAGE="en", LC_ALL="C.UTF-8"))
    return json.loads(out.stdout)


def select_row(window, name):
    row = poll("the tutorial's entry " + name, lambda: find(
        window, lambda n: role(n) in ("list item", "list box item", "row") and n.name == name))
    row.parent.querySelection().selectChild(row.getIndexInParent())


def answer_quiz(window, quiz):
    # The quiz page's column: found once, then searched alone (the window holds every lesson).
    first = "Question 1 of %d" % len(quiz)
    column = poll(first, lambda: label_with(window, lambda t: t == first)).parent
    for i, item in enumerate(quiz):
        progress = "Question %d of %d" % (i + 1, len(quiz))
        poll(progress, lambda: label_with(column, lambda t: t == progress))
        if label_with(column, lambda t: t == item["question"]) is None:
            fail("question %d is not the one expected: %r" % (i + 1, item["question"]))
        if item["message"] is not None and label_with(column, lambda t: t == item["message"]) is None:
            fail("question %d does not show the message %r" % (i + 1, item["message"]))
        right = item["options"][item["correct"]]
        # Toggle buttons in a group (GTK 4.8 reports them as push buttons).
        option = poll("the answer " + right, lambda: find(
            column, lambda n: role(n) in ("toggle button", "push button") and n.name == right
            and has_size(n)))
        click(option)
        click(poll("Check Answer", lambda: button_named(column, ["Check", "Answer"])))
        poll("the explanation of question %d" % (i + 1),
             lambda: label_with(column, lambda t: t.startswith("Right.")))
        words = ["Next", "Question"] if i + 1 < len(quiz) else ["See", "Result"]
        click(poll(" ".join(words), lambda: button_named(column, words)))


def supervision_events(port, token):
    """The audit events in the room 王芳 reads them in (named "Supervision"), newest first."""
    sync = http(port, "GET", "/_matrix/client/v3/sync?timeout=0", token=token)
    for room_id, room in sync.get("rooms", {}).get("join", {}).items():
        events = room.get("state", {}).get("events", []) + room.get("timeline", {}).get("events", [])
        if any(e.get("type") == "m.room.name" and e.get("content", {}).get("name") == "Supervision"
               for e in events):
            path = "/_matrix/client/v3/rooms/%s/messages?dir=b&limit=100" % urllib.parse.quote(room_id)
            return [e for e in http(port, "GET", path, token=token).get("chunk", [])
                    if e.get("type") == "io.github.tactchat.audit"]
    fail("王芳 is in no room named Supervision")


def main():
    port = free_port()
    env = fresh_env(port)
    quiz = expected_quiz()
    if len(quiz) < 5:
        fail("the shipped profile gives a quiz of only %d questions" % len(quiz))
    tact = App(env)
    try:
        app = tact.node
        sign_in(app)

        # The micro-lesson: the first time a rule stops a message, its lesson is offered.
        open_room(app, ROOM)
        composer = poll("the composer", lambda: find(
            app, lambda n: role(n) in ("text", "entry") and n.name == "Message" and has_size(n)))
        set_text(composer, SECRET)
        click(poll("the Send button", lambda: button_named(app, ["Send"])))
        dialog = poll("the guard dialog", lambda: find(
            app, lambda n: role(n) in ("dialog", "alert") and has_size(n)))
        learn = poll("the offer of a lesson", lambda: button_named(dialog, ["Learn", "About"]))
        click(learn)
        window = tutorial_window(app)
        poll("the lesson's clause", lambda: label_with(window, lambda t: t == "What the policy says"))
        click(poll("Cancel", lambda: button_named(dialog, ["Cancel"])))

        # The welcome banner offers the tutorial too (it stays until the tutorial is passed).
        poll("the first-run banner", lambda: button_named(app, ["Open", "Tutorial"]))

        # A lesson: its clause, an example flagged and one let through.
        select_row(window, "Welcome")
        click(poll("Start", lambda: button_named(window, ["Start"])))
        poll("the first lesson's example", lambda: label_with(
            window, lambda t: t.startswith("Sent ") and "reason" in t))
        # Next to it the same sentence about meeting notes, which that rule lets through.
        poll("a similar example", lambda: label_with(window, lambda t: "会议纪要" in t))
        poll("both verdicts", lambda: len(find_all(window, lambda n: role(n) == "label" and has_size(n)
                                                   and text_of(n).startswith("Sent "))) >= 2)
        if label_with(window, lambda t: t.startswith("Why: ")) is None:
            fail("the lesson does not say why its clause exists")

        # A practice scenario in the real window: 张先生 asks for the customer list; the trainee
        # pastes it, the guard stops it, the trainee cancels; the scenario says that was right.
        select_row(window, "A customer asks for your customer list")
        click(poll("Start Practice", lambda: button_named(window, ["Start", "Practice"])))
        poll("the practice banner", lambda: label_with(app, lambda t: t.startswith("Practice: ")))
        poll("张先生's request", lambda: label_with(app, lambda t: t.startswith("Could you paste your customer list")))
        composer = poll("the composer", lambda: find(
            app, lambda n: role(n) in ("text", "entry") and n.name == "Message" and has_size(n)))
        set_text(composer, "Here you are: 张三 13800138000、李四 13912345678、王五 13700001111")
        click(poll("the Send button", lambda: button_named(app, ["Send"])))
        dialog = poll("the guard dialog", lambda: find(
            app, lambda n: role(n) in ("dialog", "alert") and has_size(n)))
        click(poll("Cancel", lambda: button_named(dialog, ["Cancel"])))
        judgment = poll("the judgment", lambda: label_with(app, lambda t: t.startswith("Right: ")))
        # The banner's own Close (the windows have Close buttons too).
        click(poll("the banner's Close", lambda: button_named(judgment.parent, ["Close"])))

        # The quiz, answered as the profile's own generator says.
        select_row(window, "Quiz")
        answer_quiz(window, quiz)
        poll("the result", lambda: label_with(window, lambda t: t == "Passed"))
        poll("the result recorded", lambda: label_with(
            window, lambda t: t.startswith("Your result is kept")))

        # In the encrypted history...
        data_home = env["XDG_DATA_HOME"]
        db = poll("the history database", lambda: ([f for f in glob.glob(
            os.path.join(data_home, "tact", "*", "history.db"))] or [None])[0])
        rows = query(db, "SELECT profile_id, profile_version, score, passed FROM training")
        if len(rows) != 1 or not rows[0].startswith("tact-default|") or not rows[0].endswith("|100|1"):
            fail("the completion is not in the history as expected: %r" % rows)

        # ...and in the supervision room, where 王芳 reads it.
        head = sandbox_login(port, "wang.fang")

        def passed_event():
            for event in supervision_events(port, head):
                content = event.get("content", {})
                if content.get("kind") == "tutorial-passed" and content.get("score") == 100:
                    return content
            return None
        content = poll("the completion in the supervision room", passed_event)
        if content.get("profile_id") != "tact-default" or content.get("pass_mark") != 80:
            fail("the supervision event is not as expected: %r" % content)

        # F1 where no help viewer is installed: a dialog says so and where the pages are (it
        # used to fail silently with "Operation not supported").
        # (The tutorial window has the keyboard focus; the application's F1 works there too.)
        if shutil.which("yelp") is None:
            press_keys("F1")
            help_dialog = tact.dialog("Help Could Not Be Shown")
            if label_with(help_dialog, lambda t: "yelp" in t) is None:
                fail("the help dialog does not say how to get a help viewer")
            click(poll("Close", lambda: button_named(help_dialog, ["Close"])))

        # Passed: the banner goes.
        def banner_gone():
            button = button_named(app, ["Open", "Tutorial"])
            return button is None or not button.getState().contains(pyatspi.STATE_SHOWING)
        poll("the banner gone", banner_gone)
    finally:
        tact.stop()
    print("ui-tutorial: ok")


if __name__ == "__main__":
    main()
