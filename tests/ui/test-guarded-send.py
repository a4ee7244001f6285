#!/usr/bin/python3
"""UI test: the foundation scenario, driven through AT-SPI as a person would.

Start Tact, sign in to the built-in sandbox homeserver, open a room, type a message containing a
sensitive term, see the guard's dialog, send it with a justification; the message shows as sent,
is stored encrypted (absent from the database files), and the colleague's account receives it.

Run under build-aux/headless-session (Xvfb + D-Bus + gnome-keyring). Debian's /usr/bin/python3
with python3-pyatspi.
"""
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pyatspi

TACT = os.environ.get("TACT_BIN", "_build/src/tact")
DEADLINE = float(os.environ.get("TACT_UI_DEADLINE", "30"))
MESSAGE = "这份机密报价单请查收 UI-CANARY-" + os.urandom(4).hex()
REASON = "客户已签保密协议 (NDA signed)"
ROOM = "Sales team"   # internal: PUB-1 asks for a justification (with outsiders it blocks)
PASSWORD = "tact-sandbox"


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    raise SystemExit(1)


def poll(what, func, deadline=DEADLINE):
    """Polls func until it returns something truthy, with a deadline (never a blind sleep)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            value = func()
        except Exception:  # the tree changes under us while the app works
            value = None
        if value:
            return value
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def walk(node, depth=0):
    if node is None or depth > 60:
        return
    yield node
    try:
        children = list(node)
    except Exception:
        return
    for child in children:
        yield from walk(child, depth + 1)


def find(root, pred):
    for node in walk(root):
        try:
            if pred(node):
                return node
        except Exception:
            continue
    return None


def find_all(root, pred):
    result = []
    for node in walk(root):
        try:
            if pred(node):
                result.append(node)
        except Exception:
            continue
    return result


def role(node):
    return node.getRoleName()


def text_of(node):
    try:
        t = node.queryText()
        return t.getText(0, t.characterCount)
    except Exception:
        return ""


def has_size(node):
    try:
        ext = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return ext.width > 0 and ext.height > 0
    except Exception:
        return False


def click(node):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate"):
            action.doAction(i)
            return
    action.doAction(0)


def button_named(root, words):
    def pred(n):
        if role(n) not in ("push button", "button"):
            return False
        name = (n.name or "").replace("_", "")
        return all(w in name for w in words) and has_size(n)
    return find(root, pred)


def set_text(node, value):
    node.queryEditableText().setTextContents(value)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port, method, path, body=None, token=None):
    request = urllib.request.Request(
        "http://127.0.0.1:%d%s" % (port, path), method=method,
        data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def main():
    port = free_port()
    data_home = tempfile.mkdtemp(prefix="tact-ui-")
    env = dict(os.environ, TACT_SANDBOX_PORT=str(port), XDG_DATA_HOME=data_home,
               GSETTINGS_BACKEND="memory", LANGUAGE="en", LC_ALL="C.UTF-8")
    # A fresh keyring entry for this run: no stored account, so Tact shows the sign-in page.
    subprocess.run(["secret-tool", "clear", "kind", "account"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    desktop = pyatspi.Registry.getDesktop(0)   # connect to the registry before the app starts
    app_proc = subprocess.Popen([TACT], env=env)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        def find_app():
            for app in desktop:
                if app is not None and app.get_process_id() == app_proc.pid:
                    return app
            return None
        app = poll("Tact on the accessibility bus", find_app)

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
        dialog = poll("the guard dialog", lambda: find(
            desktop, lambda n: role(n) in ("dialog", "alert") and n.name == "Justification Needed"
            and n.getApplication().get_process_id() == app_proc.pid) or find(
            app, lambda n: role(n) in ("dialog", "alert") and n.name == "Justification Needed"))
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
        app_proc.terminate()
        try:
            app_proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            app_proc.kill()


if __name__ == "__main__":
    main()
