#!/usr/bin/env bash
# The IMAP integration tests start a Dovecot of their own (tests/mail_servers.py): install Debian's
# dovecot-imapd when it is missing. The tests never use the system-wide service; it is stopped and disabled
# here so it does not hold port 143/993 or run for nothing.
set -euo pipefail
if [ -x /usr/sbin/dovecot ] && [ -x /usr/bin/doveadm ]; then
  exit 0
fi
echo "Installing Debian dovecot-imapd for the IMAP tests..."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true
fi
[ -x /usr/sbin/dovecot ]
