#!/usr/bin/env bash
# Installs the real components the tests drive: Debian's prometheus (with promtool),
# chromium, and openssl (certificates for the TLS test of the extractor). Installs only what is missing, only as root with apt-get. Under CI=true a
# component that is still missing is an error; elsewhere the tests that need it skip.
set -u
missing=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
still=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || still+=(prometheus)
command -v chromium >/dev/null 2>&1 || still+=(chromium)
command -v openssl >/dev/null 2>&1 || still+=(openssl)
if [ ${#still[@]} -ne 0 ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "error: missing ${still[*]} (needed by the tests; install them as root with apt-get)" >&2
    exit 1
  fi
  echo "warning: missing ${still[*]}; the tests that need them will skip" >&2
fi
exit 0
