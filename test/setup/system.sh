#!/usr/bin/env bash
# Installs and starts what the tests run for real: Debian's Docker engine, Prometheus
# (prometheus, promtool) and Chromium (headless, for the pages a person opens: make report).
# Idempotent: does nothing when all are there.
set -euo pipefail

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
if ((${#need[@]})); then
  echo "installing ${need[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Other sessions on this machine may run apt at the same moment: wait for their lock, not fail.
  apt=(apt-get -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update -qq >/dev/null
  # The package's own service start fails without systemd; we start dockerd below.
  "${apt[@]}" install -y -qq "${need[@]}" iptables >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  # A pid file left by a daemon that has ended blocks the next start.
  if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  echo "starting dockerd" >&2
  nohup dockerd >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/dockerd.log" >&2; tail -20 /tmp/dockerd.log >&2; exit 1; }
fi
