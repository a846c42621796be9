#!/usr/bin/env bash
# Installs and starts what the tests run for real: Debian's Docker engine, Prometheus
# (prometheus, promtool), Alertmanager (prometheus-alertmanager, amtool), Chromium (headless, for
# the pages a person opens: make report) and the CNCF distribution registry (docker-registry; each
# test that needs one starts its own on 127.0.0.1, see test/helpers/registry.ts; apache2-utils for its logins). Idempotent: does
# nothing when all are there.
set -euo pipefail

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v promtool >/dev/null || need+=(prometheus)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
# htpasswd, for the registries with a login (steps/02-triton-login).
command -v htpasswd >/dev/null || need+=(apache2-utils)
# The peer `make bench` measures make all against (test/bench/make-all.bench.ts).
command -v docker-compose >/dev/null || need+=(docker-compose)
if ((${#need[@]})); then
  echo "installing ${need[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Other sessions on this machine may run apt at the same moment: wait for their lock, not fail.
  apt=(apt-get -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update -qq >/dev/null
  # The packages' own service starts fail or are refused without systemd; we start dockerd below,
  # and the tests start their own registries and run Alertmanager in containers of their own.
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
