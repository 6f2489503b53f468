#!/bin/sh
# test-faults-disk.sh — the disk holding the database fills up under
# `redress ingest` and `redress fetch`: a clear "disk full" error naming
# the database, exit 2, the database whole, nothing half-written, nothing
# moved on the server that is not stored, and after more room the rest
# stored with nothing twice; started with a few KB free, a clear refusal
# and no crash; the daemon keeps running without reconnecting in a loop,
# and catches up once there is room; a letter delivered when the disk
# fills is not delivered again while it cannot be marked sent. tests/faults/diskfull.sh with 100 messages
# (`make faults`: 600). Needs root (tmpfs, mail servers); skipped without.
: "${FAULT_MESSAGES:=100}"
export FAULT_MESSAGES
exec sh "$(dirname "$0")/faults/diskfull.sh"
