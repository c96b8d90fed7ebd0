#!/bin/sh
# `sh scripts/with-node.sh <command> [args...]`: runs the command with Node 24 first on PATH,
# installing it into .tools/node first where the machine's Node is older (ensure-node.sh). Every
# npm script goes through it, so `npm start` and `npm test` work on a machine with Node 20.
set -e
ensure_node_root="$(cd "$(dirname "$0")/.." && pwd)"
. "$ensure_node_root/scripts/ensure-node.sh"
exec "$@"
