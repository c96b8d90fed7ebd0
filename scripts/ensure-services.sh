#!/usr/bin/env bash
# Starts NATS (with JetStream), PostgreSQL and Redis where they do not answer on their usual ports.
# The commands are the README's; on the development and CI machines they are usually already running.
set -uo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local name=$1 port=$2
  for _ in $(seq 1 50); do answers "$port" && return 0; sleep 0.2; done
  echo "$name did not answer on 127.0.0.1:$port" >&2
  return 1
}

if ! answers 4222; then
  echo "starting NATS" >&2
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS 4222 || exit 1
fi
if ! answers 5432; then
  echo "starting PostgreSQL" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  wait_for PostgreSQL 5432 || exit 1
fi
if ! answers 6379; then
  echo "starting Redis" >&2
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis 6379 || exit 1
fi
exit 0
