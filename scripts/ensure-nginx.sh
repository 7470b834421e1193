#!/usr/bin/env bash
# The replica tests put Debian's nginx in front of three `lapor-camat run` processes (run as a non-root user
# on a loopback port, its configuration generated into a temporary directory by the test). Install it with
# apt when it is missing; fail loudly when that is impossible.
set -euo pipefail
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-nginx: nginx is missing and we are not root: apt-get install nginx-light" >&2
  exit 1
fi
echo "ensure-nginx: installing Debian's nginx" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 \
  || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
[ -x /usr/sbin/nginx ]
