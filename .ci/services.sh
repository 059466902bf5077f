# shellcheck shell=bash
# Services the screening-service tests need, for `.ci/run` to `source` before
# the tests (and for a developer to source once per machine):
#   - PostgreSQL on 127.0.0.1:5432 with a `kordon_test` database (audit trail
#     suite against a real server),
#   - wrk (load benchmark, scripts/bench-http; not run in CI),
#   - a Python venv in target/ci-venv (under $CARGO_TARGET_DIR when set) with
#     the real `yente-client` and `schemathesis` packages from PyPI
#     (compatibility and fuzz tests).
# Idempotent: every step checks before it acts, so sourcing it twice is cheap.
# Works as root on a fresh Debian machine with nothing running.
# Exports KORDON_TEST_POSTGRES_URL and KORDON_TEST_PYTHON for the tests.

_kordon_services() {
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

  local need=()
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
  if [ "${#need[@]}" -gt 0 ]; then
    echo "services: installing ${need[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || return 1
    apt-get install -y -qq "${need[@]}" >/dev/null || return 1
  fi

  # PostgreSQL: the distribution's default cluster, created if missing.
  local ver
  ver="$(ls /usr/lib/postgresql/ 2>/dev/null | sort -V | tail -n1)"
  if [ -z "$ver" ]; then
    echo "services: no PostgreSQL server found under /usr/lib/postgresql" >&2
    return 1
  fi
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$ver main"; then
    pg_createcluster "$ver" main >/dev/null || return 1
  fi
  if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "$ver" main start || return 1
  fi
  local port
  port="$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')"
  local i
  for i in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "services: PostgreSQL did not come up" >&2; return 1; }
  su postgres -c "psql -q -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname='kordon'\"" | grep -q 1 ||
    su postgres -c "psql -q -p $port -c \"CREATE ROLE kordon LOGIN PASSWORD 'kordon'\"" || return 1
  su postgres -c "psql -q -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname='kordon_test'\"" | grep -q 1 ||
    su postgres -c "psql -q -p $port -c \"CREATE DATABASE kordon_test OWNER kordon\"" || return 1
  export KORDON_TEST_POSTGRES_URL="postgres://kordon:kordon@127.0.0.1:${port}/kordon_test"

  # Python venv with the real client packages from PyPI.
  local venv="${CARGO_TARGET_DIR:-$repo/target}/ci-venv"
  if [ ! -x "$venv/bin/python" ]; then
    # Debian's python3 needs python3-venv for ensurepip; other builds bring it.
    python3 -m venv "$venv" 2>/dev/null || {
      apt-get install -y -qq python3-venv >/dev/null && python3 -m venv --clear "$venv"
    } || return 1
  fi
  if ! "$venv/bin/python" -c "import yente_client, schemathesis" >/dev/null 2>&1; then
    "$venv/bin/pip" install -q --disable-pip-version-check yente-client==0.2.0 schemathesis==4.32.5 || return 1
  fi
  export KORDON_TEST_PYTHON="$venv/bin/python"
  echo "services: PostgreSQL at 127.0.0.1:$port (kordon_test), python venv at $venv"
}

_kordon_services || { echo "services: setup failed" >&2; return 1 2>/dev/null || exit 1; }
unset -f _kordon_services
