#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, when they are missing:
#   chromium  (the person in the OAuth browser step, driven by playwright-core; never a browser download)
#   tmux      (a real pseudo-terminal for the configure wizard tests)
#   dbus-daemon=dbus, gnome-keyring-daemon=gnome-keyring  (a real Secret Service for the OS keychain tests; the
#             keyring's library libsecret-1-0 comes with gnome-keyring)
# Arguments are commands, or command=package when the package is named otherwise.
# Idempotent and quiet when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail
want=("$@")
[ "${#want[@]}" -gt 0 ] || want=(chromium tmux)
missing=()
for p in "${want[@]}"; do command -v "${p%%=*}" >/dev/null 2>&1 || missing+=("${p#*=}"); done
[ "${#missing[@]}" -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "system-deps: missing ${missing[*]}; install them with: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi
echo "system-deps: installing ${missing[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
