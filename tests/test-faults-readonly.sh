#!/bin/sh
# test-faults-readonly.sh — the database file made read-only (chmod 444,
# run as nobody since root ignores modes): ingest, fetch and the daemon
# refuse at once with a message naming the database, the file unchanged and
# nothing moved on the server; after chmod back each completes, nothing
# lost or twice. tests/faults/readonly.sh with 50 messages a step
# (`make faults`: 200).
: "${FAULT_MESSAGES:=50}"
export FAULT_MESSAGES
exec sh "$(dirname "$0")/faults/readonly.sh"
