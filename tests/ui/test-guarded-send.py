#!/usr/bin/python3
"""UI test: the foundation scenario, driven through AT-SPI as a person would.

Start Tact, sign in to the built-in sandbox homeserver, open a room, type a message containing a
sensitive term, see the hint under the composer ("Needs a reason: …") and the guard's dialog (the rule and the matched text; Edit, Cancel, and Send with
Justification, which stays disabled until a reason is typed), send it with a justification; the
message shows as sent and the colleague's account receives it. It is stored encrypted: absent
from the database files' bytes, yet there when the database is opened with the keyring's key,
with the reason on record; and after a restart Tact shows it again as sent. The shortcuts window
(Ctrl+?) and Preferences (Ctrl+,) open from the keyboard.

Run under build-aux/headless-session (Xvfb + D-Bus + gnome-keyring). Debian's /usr/bin/python3
with python3-pyatspi.
"""
import glob
import os
import pyatspi
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tactui import (App, button_named, click, fail, find, free_port, fresh_env,  # noqa: E402
                    has_size, http, open_room as open_named_room, poll, press_keys, role,
                    query, sandbox_login, set_text, sign_in, text_of)

MESSAGE = "这份机密报价单请查收 UI-CANARY-" + os.urandom(4).hex()
REASON = "客户已签保密协议 (NDA signed)"
ROOM = "Sales team"   # internal: PUB-1 asks for a justification (with outsiders it blocks)


def main():
    port = free_port()
    # A fresh keyring entry for this run: no stored account, so Tact shows the sign-in page.
    env = fresh_env(port)
    data_home = env["XDG_DATA_HOME"]

    tact = App(env)
    app = tact.node
    try:
        # Sign in to the sandbox (the sandbox switch is on and the user name filled in).
        sign_in(app)

        # Open the room.
        open_room(app)

        composer = poll("the composer", lambda: find(
            app, lambda n: n.name == "Message" and role(n) in ("text", "entry")))
        poll("the composer to be editable", lambda: has_size(composer))
        set_text(composer, MESSAGE)
        # After a pause in typing the composer says what the guard will do.
        poll("the guard's hint under the composer", lambda: find(
            app, lambda n: role(n) == "label" and text_of(n).startswith("Needs a reason: ")))
        click(poll("the Send button", lambda: button_named(app, ["Send"])))

        # The guard's dialog names the rule and the matched text.
        dialog = tact.dialog("Justification Needed")
        matched = poll("the matched text in the dialog", lambda: find(
            dialog, lambda n: role(n) == "label" and "机密" in text_of(n) and "PUB-1" in text_of(n)))
        assert matched is not None

        # Edit and Cancel are offered; the justified send waits for a reason.
        poll("the Edit button", lambda: button_named(dialog, ["Edit"]))
        poll("the Cancel button", lambda: button_named(dialog, ["Cancel"]))
        justify = poll("Send with Justification", lambda: button_named(
            dialog, ["Send", "with", "Justification"]))
        if sensitive(justify):
            fail("Send with Justification is enabled before a reason was given")

        reason = poll("the Reason field", lambda: find(
            dialog, lambda n: n.name == "Reason" and role(n) in ("text", "entry")))
        set_text(reason, "   ")
        if sensitive(justify):
            fail("a blank reason enabled Send with Justification")
        set_text(reason, REASON)
        justify = poll("Send with Justification to be enabled", lambda: next(
            (b for b in [button_named(dialog, ["Send", "with", "Justification"])]
             if b is not None and sensitive(b)), None))
        click(justify)

        # The message shows as sent.
        def sent_label():
            body = find(app, lambda n: role(n) == "label" and text_of(n) == MESSAGE)
            if body is None:
                return None
            box = body.parent
            return find(box, lambda n: role(n) == "label" and text_of(n) == "Sent")
        poll("the message to show as sent", sent_label)

        # The colleague receives it, over the homeserver.
        token = sandbox_login(port, "li.wei")

        def colleague_has_it():
            sync = http(port, "GET", "/_matrix/client/v3/sync?timeout=0", token=token)
            for room in sync.get("rooms", {}).get("join", {}).values():
                for event in room.get("timeline", {}).get("events", []):
                    if event.get("content", {}).get("body") == MESSAGE:
                        return True
            return False
        poll("the colleague to receive the message", colleague_has_it)

        # Stored encrypted: the text is nowhere in the database files' bytes...
        tact.stop()
        files = [f for f in glob.glob(os.path.join(data_home, "tact", "*", "history.db*"))]
        if not any(f.endswith("history.db") for f in files):
            fail("no history database in " + data_home)
        canary = MESSAGE.split()[-1].encode() if " " in MESSAGE else MESSAGE.encode()
        for path in files:
            with open(path, "rb") as f:
                content = f.read()
            if MESSAGE.encode() in content or canary in content or b"SQLite format 3" in content:
                fail("plaintext found in " + path)
        # ...yet it is there, with the reason on record, for whoever holds the keyring's key.
        db = [f for f in files if f.endswith("history.db")][0]
        rows = query(db, "SELECT count(*) FROM events WHERE body = ?1", MESSAGE)
        if rows != ["1"]:
            fail("the sent message is not in the history database once: %r" % rows)
        rows = query(db, "SELECT a.action, a.justification FROM audit a JOIN outbox o"
                         " ON o.txn_id = a.txn_id WHERE o.state = 'sent'")
        if ("justify|" + REASON) not in rows:
            fail("the justification is not on record: %r" % rows)

        # After a restart Tact signs in from the keyring and shows the message again as sent.
        tact = App(env)
        app = tact.node
        open_room(app)
        poll("the message to show as sent after a restart", sent_label)

        # Ctrl+? shows the shortcuts window, which lists My Audit Log's shortcut; Escape closes it.
        press_keys("Control", "Shift", "slash")
        shortcuts = poll("the shortcuts window", lambda: find(
            app, lambda n: role(n) in ("frame", "window", "dialog") and n.name == "Keyboard Shortcuts"))
        poll("My audit log in the shortcuts window", lambda: find(
            shortcuts, lambda n: role(n) == "label" and text_of(n) == "My audit log"))
        press_keys("Escape")
        poll("the shortcuts window to close", lambda: not any(
            n is not None and n.name == "Keyboard Shortcuts" and n.getState().contains(pyatspi.STATE_VISIBLE)
            for n in list(app)))
        # Ctrl+, opens Preferences, with the "check while typing" switch; Escape closes it.
        press_keys("Control", "comma")
        prefs = poll("the Preferences window", lambda: find(
            app, lambda n: role(n) in ("frame", "window", "dialog") and n.name == "Preferences"))
        poll("the check-while-typing switch in Preferences", lambda: find(
            prefs, lambda n: (n.name or "").startswith("Check messages while typing")
            and role(n) in ("switch", "toggle button", "check box")))
        press_keys("Escape")
        poll("Preferences to close", lambda: not any(
            n is not None and n.name == "Preferences" and n.getState().contains(pyatspi.STATE_VISIBLE)
            for n in list(app)))
        # Ctrl+Alt+L opens My Audit Log: the justified send, in words.
        press_keys("Control", "Alt", "l")
        poll("the justified send in My Audit Log", lambda: find(
            app, lambda n: role(n) == "label" and text_of(n).endswith(" · Sent with a reason")))
        print("ok: guarded message sent with a justification, received, stored encrypted, kept;"
              " Ctrl+? lists the shortcuts, Ctrl+, opens Preferences and Ctrl+Alt+L shows it in My Audit Log")
    finally:
        tact.stop()


def sensitive(node):
    # GTK 4.8 reports a disabled widget by leaving out SENSITIVE (it never sets ENABLED).
    return node.getState().contains(pyatspi.STATE_SENSITIVE)


def open_room(app):
    open_named_room(app, ROOM)


if __name__ == "__main__":
    main()
