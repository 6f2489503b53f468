#!/bin/sh
# test-faults-reload.sh — SIGHUP while the configuration file is random
# bytes, missing, or missing a ']' (with a second error): the daemon logs
# every error as plain text, keeps running on the old configuration and
# still stores mail; a good file is then reloaded. tests/faults/reload.sh
# with one round (`make faults`: 5). Needs root for the mail servers.
: "${FAULT_ROUNDS:=1}"
export FAULT_ROUNDS
exec sh "$(dirname "$0")/faults/reload.sh"
