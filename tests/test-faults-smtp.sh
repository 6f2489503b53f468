#!/bin/sh
# test-faults-smtp.sh — the SMTP server refuses a letter (550 to RCPT),
# never answers (the [smtp] timeout), or drops the connection in the middle
# of DATA: failed and recorded on the case, or queued with a retry and sent
# once later. tests/faults/smtp.sh (a fake server in Python on loopback)
# with one round (`make faults`: 5).
: "${FAULT_ROUNDS:=1}"
export FAULT_ROUNDS
exec sh "$(dirname "$0")/faults/smtp.sh"
