#!/usr/bin/python3
"""UI test ui-approval: a message that needs approval, requested in one Tact and approved in
another, driven through AT-SPI as two people would.

Two instances of the app run on the same desktop session (one D-Bus and AT-SPI bus), each
with its own profile: its own XDG_DATA_HOME (history) and XDG_CONFIG_HOME, and so its own
sign-in in the keyring (accounts are kept per data directory).

- The requester's Tact starts the built-in sandbox on a fixed port (TACT_SANDBOX_PORT) and
  signs in as the sandbox user. In "Project Falcon" (an outside customer is a member) a
  quote with payment terms needs the department head's approval (PUB-2): the guard dialog
  names 王芳 and offers Request Approval; with a note the message waits in the timeline as
  "Awaiting approval from 王芳".
- The approver's Tact is started with --new-instance and TACT_NO_SANDBOX=1, pointed at the
  first one's sandbox by URL, and signs in as 王芳 (@wang.fang:corp.test), the department head
  the shipped default profile names. She accepts the invitation to the approvals room, sees the
  badge, opens the Approvals page (the request shows the text, the target room and its
  audience, the note) and approves.
- The requester's message then leaves unchanged: it shows as sent, and a member of Project
  Falcon (李伟, over HTTP) receives exactly the requested text.

The sandbox's own scripted 王芳 (when there is one) may decide too; this test does not depend
on her, but a race with her would show up here.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tactui import (App, SANDBOX_PASSWORD, button_named, click, fail, find,  # noqa: E402
                    free_port, fresh_env, has_size, http, open_room, poll, role,
                    sandbox_login, set_text, sign_in, text_of)

MESSAGE = "这是我们的报价，付款条件见附件 APPROVAL-" + os.urandom(4).hex()
NOTE = "客户周五前需要"
ROOM = "Project Falcon"


def label_with(root, pred):
    return find(root, lambda n: role(n) == "label" and pred(text_of(n)))


def entry_named(root, name):
    return find(root, lambda n: role(n) in ("text", "entry", "password text") and n.name == name)


def main():
    port = free_port()
    requester_env = fresh_env(port)
    approver_env = dict(requester_env,
                        XDG_DATA_HOME=tempfile.mkdtemp(prefix="tact-ui-approver-data-"),
                        XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="tact-ui-approver-config-"),
                        TACT_NO_SANDBOX="1")
    approver_env.pop("TACT_SANDBOX_PORT", None)

    requester = App(requester_env)
    approver = None
    try:
        app = requester.node
        sign_in(app)

        # The approver's Tact: a second instance with its own profile, signed in as 王芳 first,
        # so the sandbox's scripted 王芳 steps aside and she decides herself.
        approver = App(approver_env, args=["--new-instance"])
        bapp = approver.node
        set_text(poll("the Homeserver field", lambda: entry_named(bapp, "Homeserver")),
                 "http://127.0.0.1:%d" % port)
        set_text(poll("the Username field", lambda: entry_named(bapp, "Username")), "wang.fang")
        set_text(poll("the Password field", lambda: entry_named(bapp, "Password")), SANDBOX_PASSWORD)
        click(poll("the Sign In button", lambda: button_named(bapp, ["Sign", "In"])))

        poll("王芳 signed in", lambda: find(bapp, lambda n: (n.name or "") == "Project Falcon"
                                            or (n.name or "").startswith("Sales")))

        open_room(app, ROOM)
        composer = poll("the composer", lambda: find(
            app, lambda n: n.name == "Message" and role(n) in ("text", "entry")))
        poll("the composer to be editable", lambda: has_size(composer))
        set_text(composer, MESSAGE)
        click(poll("the Send button", lambda: button_named(app, ["Send"])))

        # The guard asks for approval and names the department head.
        dialog = requester.dialog("Approval Needed")
        poll("the approver's name in the dialog", lambda: label_with(
            dialog, lambda t: "王芳" in t and "Approval from" in t))
        note = poll("the note field", lambda: entry_named(dialog, "Note for the Approver"))
        set_text(note, NOTE)
        click(poll("Request Approval", lambda: button_named(dialog, ["Request", "Approval"])))

        # The message waits in the timeline, saying for whom.
        poll("the message to await approval", lambda: label_with(
            app, lambda t: t.startswith("Awaiting approval from") and "王芳" in t))
        if label_with(app, lambda t: t == MESSAGE) is None:
            fail("the awaiting message is not in the timeline")
        if text_of(composer):
            fail("the composer still holds the requested message")

        # The approvals room comes to her (the session joins rooms marked as approvals rooms
        # that name her; should it stay an invitation, she joins it as a person would).
        def badge_or_invitation():
            badge = find(bapp, lambda n: role(n) in ("push button", "button")
                         and (n.name or "").startswith("Approvals, 1 waiting"))
            if badge is not None:
                return badge
            invite = find(bapp, lambda n: role(n) in ("list item", "list box item", "row")
                          and find(n, lambda c: c is not n and c.name == "Invitation") is not None)
            if invite is not None:
                invite.parent.querySelection().selectChild(invite.getIndexInParent())
                join = button_named(bapp, ["Join"])
                if join is not None:
                    click(join)
            return None
        poll("the request to reach the approver", badge_or_invitation)

        # The badge counts the request; the Approvals page shows it.
        badge = poll("the Approvals button with its badge", lambda: find(
            bapp, lambda n: role(n) in ("push button", "button")
            and (n.name or "").startswith("Approvals, 1 waiting")))
        click(badge)
        page = poll("the Approvals page", lambda: find(
            bapp, lambda n: role(n) in ("frame", "window") and n.name == "Approvals"))
        poll("the request's text", lambda: label_with(page, lambda t: t == MESSAGE))
        poll("the target room", lambda: label_with(page, lambda t: "Project Falcon" in t))
        poll("the audience", lambda: label_with(page, lambda t: "from outside the company" in t))
        poll("the note", lambda: label_with(page, lambda t: NOTE in t))
        click(poll("the Approve button", lambda: button_named(page, ["Approve"])))
        poll("the request to show as approved", lambda: label_with(page, lambda t: t.startswith("Approved")))

        # The requester's Tact sends it unchanged.
        def sent():
            body = label_with(app, lambda t: t == MESSAGE)
            return body is not None and label_with(body.parent, lambda t: t == "Sent")
        poll("the message to show as sent", sent, deadline=60)

        token = sandbox_login(port, "li.wei")

        def delivered():
            sync = http(port, "GET", "/_matrix/client/v3/sync?timeout=0", token=token)
            bodies = [e.get("content", {}).get("body")
                      for room in sync.get("rooms", {}).get("join", {}).values()
                      for e in room.get("timeline", {}).get("events", [])
                      if e.get("type") == "m.room.message"]
            return bodies.count(MESSAGE) == 1
        poll("Project Falcon to receive the message once, unchanged", delivered)
        print("ok: requested, awaiting approval, approved on the Approvals page, delivered unchanged")
    finally:
        if approver is not None:
            approver.stop()
        requester.stop()


if __name__ == "__main__":
    main()
