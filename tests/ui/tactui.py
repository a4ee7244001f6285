"""Helpers for Tact's AT-SPI UI tests (Debian's /usr/bin/python3 with python3-pyatspi).

Every wait polls with a deadline; nothing sleeps blindly.
"""
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


# X keycodes of Xvfb's default (evdev, pc105 us) keymap, for key combinations: AT-SPI synthesises
# them with XTest into the window that has the keyboard focus.
KEYCODES = {"Control": 37, "Shift": 50, "Alt": 64, "Escape": 9, "slash": 61, "comma": 59, "h": 43,
            "l": 46, "F1": 67}


def press_keys(*names):
    """Presses names together (modifiers first) and releases them, e.g. ("Control", "Shift",
    "slash") for Ctrl+?."""
    codes = [KEYCODES[n] for n in names]
    for code in codes[:-1]:
        pyatspi.Registry.generateKeyboardEvent(code, None, pyatspi.KEY_PRESS)
    pyatspi.Registry.generateKeyboardEvent(codes[-1], None, pyatspi.KEY_PRESSRELEASE)
    for code in reversed(codes[:-1]):
        pyatspi.Registry.generateKeyboardEvent(code, None, pyatspi.KEY_RELEASE)


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


SANDBOX_PASSWORD = "tact-sandbox"


def sign_in(app):
    """Signs in to the built-in sandbox (its switch is on and the user name filled in)."""
    password = poll("the password field", lambda: find(
        app, lambda n: role(n) in ("password text", "text") and n.name == "Password"))
    set_text(password, SANDBOX_PASSWORD)
    click(poll("the Sign In button", lambda: button_named(app, ["Sign", "In"])))


def open_room(app, name):
    row = poll("the room " + name, lambda: find(
        app, lambda n: role(n) in ("list item", "list box item", "row") and n.name == name))
    row.parent.querySelection().selectChild(row.getIndexInParent())


def sandbox_login(port, user):
    """Signs in to the sandbox over HTTP as another user; returns the access token."""
    return http(port, "POST", "/_matrix/client/v3/login", {
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
        "password": SANDBOX_PASSWORD})["access_token"]


def fresh_env(port, **extra):
    """The app's environment for one run: the sandbox on port, a private data folder, English,
    and no stored account in the keyring (so the sign-in page shows)."""
    env = dict(os.environ, TACT_SANDBOX_PORT=str(port),
               XDG_DATA_HOME=tempfile.mkdtemp(prefix="tact-ui-"),
               GSETTINGS_BACKEND="memory", LANGUAGE="en", LC_ALL="C.UTF-8", **extra)
    subprocess.run(["secret-tool", "clear", "kind", "account"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return env


class App:
    """Starts Tact (after connecting to the registry) and stops it in any case."""

    def __init__(self, env, args=()):
        self.desktop = pyatspi.Registry.getDesktop(0)
        self.proc = subprocess.Popen([TACT, *args], env=env)
        signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
        self.node = poll("Tact on the accessibility bus", self._find)

    def _find(self):
        for app in self.desktop:
            if app is not None and app.get_process_id() == self.proc.pid:
                return app
        return None

    def dialog(self, heading):
        """An AdwMessageDialog: a top-level dialog named after its heading."""
        return poll("the dialog " + heading, lambda: find(
            self.node, lambda n: role(n) in ("dialog", "alert") and n.name == heading))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def query(db, sql, *params):
    """Rows of SQL run on the encrypted history with the key from the keyring
    (tact-history-query, TACT_HISTORY_QUERY)."""
    out = subprocess.run([os.environ["TACT_HISTORY_QUERY"], db, sql, *params], check=False,
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        fail("tact-history-query failed: " + out.stderr.strip())
    return out.stdout.splitlines()
