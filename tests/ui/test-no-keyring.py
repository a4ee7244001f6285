#!/usr/bin/python3
"""UI test: without a Secret Service, Tact says so clearly and offers a way forward.

Run under build-aux/headless-session with TACT_NO_KEYRING=1 (a session bus, but no keyring).
The access token and the database key live only in the keyring, so Tact must not sign in or
open history without one: it shows "The Keyring Is Not Available" with Try Again, and signing
in fails with a message that names the keyring — never a crash, never a plaintext fallback.
"""
import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tactui import App, button_named, click, fail, find, free_port, poll, role, set_text, text_of  # noqa: E402


def main():
    if os.environ.get("TACT_NO_KEYRING") != "1":
        fail("run me with TACT_NO_KEYRING=1 under build-aux/headless-session")
    data_home = tempfile.mkdtemp(prefix="tact-ui-nokeyring-")
    env = dict(os.environ, TACT_SANDBOX_PORT=str(free_port()), XDG_DATA_HOME=data_home,
               GSETTINGS_BACKEND="memory", LANGUAGE="en", LC_ALL="C.UTF-8")
    tact = App(env)
    app = tact.node
    try:
        dialog = tact.dialog("The Keyring Is Not Available")
        body = poll("an explanation that names the keyring", lambda: find(
            dialog, lambda n: role(n) == "label" and "keyring" in text_of(n).lower()))
        assert body is not None
        # Try Again asks the keyring once more: still none, so the same dialog comes back.
        click(poll("Try Again", lambda: button_named(dialog, ["Try", "Again"])))
        poll("the dialog to close", lambda: dialog.parent is None or dialog not in list(app))
        tact.dialog("The Keyring Is Not Available")
        not_now = poll("Not Now", lambda: button_named(
            tact.dialog("The Keyring Is Not Available"), ["Not", "Now"]))
        click(not_now)

        # Signing in cannot keep the token anywhere: a clear error, and nothing is written.
        password = poll("the password field", lambda: find(
            app, lambda n: role(n) in ("password text", "text") and n.name == "Password"))
        set_text(password, "tact-sandbox")
        click(poll("the Sign In button", lambda: button_named(app, ["Sign", "In"])))
        poll("a sign-in error that names the keyring", lambda: find(
            app, lambda n: role(n) == "label" and "keyring" in text_of(n).lower()
            and "sign" not in (n.name or "").lower()[:0]))
        if glob.glob(os.path.join(data_home, "tact", "*", "history.db")):
            fail("a history database was created without a keyring to hold its key")
        print("ok: no keyring is reported clearly, with a way forward, and nothing is stored")
    finally:
        tact.stop()


if __name__ == "__main__":
    main()
