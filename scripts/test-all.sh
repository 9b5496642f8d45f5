#!/usr/bin/env bash
# Every test: each package's suite (two packages at a time), then the suites that start real
# Pulsar and OMB on this machine (`test:local`), one package at a time — two such clusters at once
# would not fit a small machine. Exits non-zero if anything failed.
set -uo pipefail

status=0
turbo run test --continue --concurrency=2 || status=$?
turbo run test:local --continue --concurrency=1 || status=$?
exit "$status"
