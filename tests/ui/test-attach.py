#!/usr/bin/python3
"""UI test: attaching files, driven through AT-SPI as a person would.

Sign in to the sandbox, open the external room "Project Falcon", press "Attach File" with a
docx whose page header is marked 机密: the guard's dialog says the file cannot be sent, naming
the rule and the file; Cancel sends nothing. Then attach a harmless .txt: it shows as sent, the
sandbox has it as an m.file with an mxc:// URI, and "Save File" on its row writes it back.

The file chooser is replaced by the test-only hook TACT_TEST_ATTACH_PATH (the files, ':'
separated, one per use of Attach) and TACT_TEST_SAVE_DIR (where Save writes); everything after
the choice of file is the path a person takes.

Run under build-aux/headless-session. Debian's /usr/bin/python3 with python3-pyatspi.
"""
import os
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tactui import (App, button_named, click, fail, find, free_port, fresh_env,  # noqa: E402
                    has_size, http, open_room, poll, role, sandbox_login, sign_in, text_of, walk)

ROOM = "Project Falcon"     # external: Mr Zhang from partner.test is in it
DOCX = "falcon-prices.docx"
TXT = "lunch-%s.txt" % os.urandom(3).hex()
TXT_CONTENT = "Lunch at noon on Friday.\n"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def make_docx(path, body, header):
    """A minimal docx: content types, the document and a page header (tact-attachment.c reads
    markings such as 机密 in word/header*.xml)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><w:document %s><w:body><w:p><w:r>'
                   '<w:t>%s</w:t></w:r></w:p></w:body></w:document>' % (W_NS, body))
        z.writestr("word/header1.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><w:hdr %s><w:p><w:r><w:t>%s</w:t>'
                   '</w:r></w:p></w:hdr>' % (W_NS, header))


def main():
    port = free_port()
    files = tempfile.mkdtemp(prefix="tact-ui-files-")
    save_dir = tempfile.mkdtemp(prefix="tact-ui-saved-")
    docx = os.path.join(files, DOCX)
    txt = os.path.join(files, TXT)
    make_docx(docx, "Falcon price list for Q3", "机密 ★ 仅限内部")
    with open(txt, "w") as f:
        f.write(TXT_CONTENT)
    env = fresh_env(port, TACT_TEST_ATTACH_PATH=docx + ":" + txt, TACT_TEST_SAVE_DIR=save_dir)

    tact = App(env)
    app = tact.node
    try:
        sign_in(app)
        open_room(app, ROOM)
        poll("the external banner", lambda: find(
            app, lambda n: role(n) == "label" and "outside the company" in text_of(n)))

        # 1. The classified docx: blocked, with the rule, the marking and the file named.
        attach = poll("the Attach File button", lambda: button_named(app, ["Attach", "File"]))
        click(attach)
        dialog = tact.dialog("This File Cannot Be Sent")
        poll("the file named in the dialog", lambda: find(
            dialog, lambda n: role(n) == "label" and DOCX in text_of(n)
            and "not allow" in text_of(n)))
        poll("the rule and the marking", lambda: find(
            dialog, lambda n: role(n) == "label" and "机密" in text_of(n)
            and "file1-classified-attachment" in text_of(n) and "FILE-1" in text_of(n)))
        poll("the alternative channel", lambda: find(
            dialog, lambda n: role(n) == "label" and text_of(n).startswith("Instead:")))
        if button_named(dialog, ["Send"]) is not None:
            fail("a blocked file offers a Send button")
        if button_named(dialog, ["Edit"]) is not None:
            fail("a file's dialog offers Edit")
        click(poll("the Cancel button", lambda: button_named(dialog, ["Cancel"])))
        poll("the dialog to close", lambda: find(
            app, lambda n: role(n) in ("dialog", "alert") and n.name == "This File Cannot Be Sent") is None)

        # 2. A harmless text file: sent without a dialog, shown with its name and size.
        click(poll("the Attach File button", lambda: button_named(app, ["Attach", "File"])))

        def file_row():
            for label in [n for n in walk_labels(app) if text_of(n) == TXT]:
                box = label.parent.parent if label.parent is not None else None
                if box is not None and find(box, lambda n: role(n) == "label" and text_of(n) == "Sent"):
                    return box
            return None
        box = poll("the file to show as sent", file_row)
        poll("the file's size", lambda: find(
            box, lambda n: role(n) == "label" and text_of(n).endswith("bytes")))

        # The room received it, as a file on the homeserver; the blocked docx never left.
        token = sandbox_login(port, "li.wei")

        def received():
            sync = http(port, "GET", "/_matrix/client/v3/sync?timeout=0", token=token)
            bodies = {}
            for room in sync.get("rooms", {}).get("join", {}).values():
                for event in room.get("timeline", {}).get("events", []):
                    content = event.get("content", {})
                    bodies[content.get("body")] = content
            if DOCX in bodies:
                fail("the blocked docx reached the homeserver")
            content = bodies.get(TXT)
            if content and content.get("msgtype") == "m.file" and \
                    content.get("url", "").startswith("mxc://") and "tact.local_path" not in content:
                return content
            return None
        content = poll("the colleague to receive the file", received)
        if content.get("info", {}).get("size") != len(TXT_CONTENT):
            fail("wrong size in the event: %r" % content)

        # 3. Save File downloads it through the session and writes it.
        save = poll("the Save File button", lambda: find(
            box, lambda n: role(n) in ("push button", "button") and (n.name or "").startswith("Save File")
            and has_size(n)))   # GTK 4.8 appends the label: "Save File Save…"
        click(save)
        saved = os.path.join(save_dir, TXT)
        poll("the saved file", lambda: os.path.exists(saved) and open(saved).read() == TXT_CONTENT)
        poll("the Saved toast", lambda: find(
            app, lambda n: role(n) == "label" and text_of(n).startswith("Saved")))
        print("ok: classified docx blocked and cancelled; text file sent, received and saved")
    finally:
        tact.stop()


def walk_labels(root):
    for node in walk(root):
        try:
            if role(node) == "label":
                yield node
        except Exception:
            continue


if __name__ == "__main__":
    main()
