#!/bin/sh
# test-faults-imap.sh — Dovecot killed (kill -9 of it and its children,
# not a clean stop) while `redress daemon` waits in IDLE, while it fetches,
# and while `redress fetch` runs; started again: the daemon reconnects,
# fetch exits 2 and its next run completes, nothing lost or stored twice
# and every message moved once. tests/faults/imapkill.sh with one round of
# each and 200 messages (`make faults`: 5 rounds of 1,000). Needs root for
# the mail servers; skipped without.
: "${FAULT_ROUNDS:=1}" "${FAULT_MESSAGES:=200}"
export FAULT_ROUNDS FAULT_MESSAGES
exec sh "$(dirname "$0")/faults/imapkill.sh"
