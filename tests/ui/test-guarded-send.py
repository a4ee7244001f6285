#!/usr/bin/python3
"""UI test: the foundation scenario, driven through AT-SPI as a person would.

Start Tact, sign in to the built-in sandbox homeserver, open a room, type a message containing a
sensitive term, see the guard's dialog, send it with a justification; the message shows as sent,
is stored encrypted (absent from the database files), and the colleague's account receives it.

Run under build-aux/headless-session (Xvfb + D-Bus + gnome-keyring). Debian's /usr/bin/python3
with python3-pyatspi.
"""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tactui import (App, button_named, click, fail, find, free_port, has_size, http,  # noqa: E402
                    poll, role, set_text, text_of)

MESSAGE = "这份机密报价单请查收 UI-CANARY-" + os.urandom(4).hex()
REASON = "客户已签保密协议 (NDA signed)"
ROOM = "Sales team"   # internal: PUB-1 asks for a justification (with outsiders it blocks)
PASSWORD = "tact-sandbox"


def main():
    port = free_port()
    data_home = tempfile.mkdtemp(prefix="tact-ui-")
    env = dict(os.environ, TACT_SANDBOX_PORT=str(port), XDG_DATA_HOME=data_home,
               GSETTINGS_BACKEND="memory", LANGUAGE="en", LC_ALL="C.UTF-8")
    # A fresh keyring entry for this run: no stored account, so Tact shows the sign-in page.
    subprocess.run(["secret-tool", "clear", "kind", "account"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    tact = App(env)
    app = tact.node
    try:
        # Sign in to the sandbox (the sandbox switch is on and the user name filled in).
        password = poll("the password field", lambda: find(
            app, lambda n: role(n) in ("password text", "text") and n.name == "Password"))
        set_text(password, PASSWORD)
        click(poll("the Sign In button", lambda: button_named(app, ["Sign", "In"])))

        # Open the room.
        row = poll("the room " + ROOM, lambda: find(
            app, lambda n: role(n) in ("list item", "list box item", "row") and n.name == ROOM))
        parent = row.parent
        parent.querySelection().selectChild(row.getIndexInParent())

        composer = poll("the composer", lambda: find(
            app, lambda n: n.name == "Message" and role(n) in ("text", "entry")))
        poll("the composer to be editable", lambda: has_size(composer))
        set_text(composer, MESSAGE)
        click(poll("the Send button", lambda: button_named(app, ["Send"])))

        # The guard's dialog names the rule and the matched text.
        dialog = tact.dialog("Justification Needed")
        matched = poll("the matched text in the dialog", lambda: find(
            dialog, lambda n: role(n) == "label" and "机密" in text_of(n) and "PUB-1" in text_of(n)))
        assert matched is not None

        reason = poll("the Reason field", lambda: find(
            dialog, lambda n: n.name == "Reason" and role(n) in ("text", "entry")))
        set_text(reason, REASON)
        click(poll("Send with Justification", lambda: button_named(
            dialog, ["Send", "with", "Justification"])))

        # The message shows as sent.
        def sent_label():
            body = find(app, lambda n: role(n) == "label" and text_of(n) == MESSAGE)
            if body is None:
                return None
            box = body.parent
            return find(box, lambda n: role(n) == "label" and text_of(n) == "Sent")
        poll("the message to show as sent", sent_label)

        # The colleague receives it, over the homeserver.
        login = http(port, "POST", "/_matrix/client/v3/login", {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": "li.wei"},
            "password": PASSWORD})

        def colleague_has_it():
            sync = http(port, "GET", "/_matrix/client/v3/sync?timeout=0", token=login["access_token"])
            for room in sync.get("rooms", {}).get("join", {}).values():
                for event in room.get("timeline", {}).get("events", []):
                    if event.get("content", {}).get("body") == MESSAGE:
                        return True
            return False
        poll("the colleague to receive the message", colleague_has_it)

        # Stored encrypted: the text is nowhere in the database files.
        files = [f for f in glob.glob(os.path.join(data_home, "tact", "*", "history.db*"))]
        if not any(f.endswith("history.db") for f in files):
            fail("no history database in " + data_home)
        canary = MESSAGE.split()[-1].encode() if " " in MESSAGE else MESSAGE.encode()
        for path in files:
            with open(path, "rb") as f:
                content = f.read()
            if MESSAGE.encode() in content or canary in content or b"SQLite format 3" in content:
                fail("plaintext found in " + path)
        print("ok: guarded message sent with a justification, received and stored encrypted")
    finally:
        tact.stop()


if __name__ == "__main__":
    main()
