#!/bin/sh
# test-faults-kill.sh — kill -9 of `redress ingest` and `redress fetch` at
# random moments while mail arrives, then nothing lost or duplicated:
# tests/faults/kill.sh at the size of `make test` (6 rounds of 150
# messages each; `make faults` runs 50 rounds of 2,000, and the daemon
# too, which tests/test-faults.sh kills here). fetch needs root for the
# mail servers and is skipped without it.
: "${FAULT_ROUNDS:=6}" "${FAULT_MESSAGES:=150}"
export FAULT_ROUNDS FAULT_MESSAGES
exec sh "$(dirname "$0")/faults/kill.sh" ingest fetch
