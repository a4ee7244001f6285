#!/bin/sh
# with-keyring.sh [--no-keyring] TEST [ARGS...]
#
# Runs TEST in a private D-Bus session with a private HOME and XDG_RUNTIME_DIR (removed
# afterwards), so it never sees or touches the user's keyring:
#   default        an unlocked gnome-keyring (secrets component) is started inside the session;
#   --no-keyring   the session bus has no service files at all, so no Secret Service can be
#                  activated; TACT_TEST_SECRETS_MODE=no-keyring tells the test to expect that.
set -eu

mode=keyring
if [ "${1:-}" = "--no-keyring" ]; then
  mode=none
  shift
fi

tmp=$(mktemp -d -t tact-keyring.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 700 "$tmp"
mkdir -m 700 "$tmp/home" "$tmp/runtime"
export HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/runtime"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL

rc=0
if [ "$mode" = keyring ]; then
  dbus-run-session -- sh -c '
    eval "$(printf tact | gnome-keyring-daemon --unlock --components=secrets)"
    export GNOME_KEYRING_CONTROL
    exec "$@"' sh "$@" || rc=$?
else
  # A session bus like the default one but without <standard_session_servicedirs/>.
  cat > "$tmp/session.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=$tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  TACT_TEST_SECRETS_MODE=no-keyring \
    dbus-run-session --config-file="$tmp/session.conf" -- "$@" || rc=$?
fi
exit $rc
