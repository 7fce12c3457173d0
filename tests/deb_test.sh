#!/usr/bin/env bash
# The Debian package, end to end (`make test-deb`, after `make deb`):
#
#   tests/deb_test.sh BUILD_DIR
#
# 1. `systemd-analyze verify` on the packaged unit; 2. lintian reports no error; 3. the package
# installs with dpkg into a fresh Debian 12 root made by debootstrap (minbase plus the package's
# dependencies; the finished root is cached as BUILD_DIR/deb-test/root-<hash>.tar.gz, so only the
# first run downloads); 4. inside that root, as the opchat user and with the packaged
# configuration, `opchat client add` and `opchat serve` run, and a signed request answers 200
# from the database in /var/lib/opchat. Needs root (sudo otherwise) and the Debian mirror.
set -euo pipefail
build="$(realpath "${1:-build}")"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
MIRROR="${OPCHAT_DEB_MIRROR:-http://deb.debian.org/debian}"

deb="$(ls -t "$build"/opchat_*.deb | head -1)"
step() { printf 'test-deb: %s\n' "$*"; }
fail() { printf 'test-deb: FAILED: %s\n' "$*" >&2; exit 1; }

work="$build/deb-test"
mkdir -p "$work"
root="$(mktemp -d "$work/root.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then $SUDO kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  for m in proc dev; do
    if mountpoint -q "$root/$m"; then $SUDO umount -l "$root/$m"; fi
  done
  $SUDO rm -rf --one-file-system "$root"
}
trap cleanup EXIT

# 1. The unit, as systemd reads it, with the packaged files in place of the host's.
step "systemd-analyze verify"
# The root is the unpacked package plus the host's own units (the targets it refers to); the
# Documentation= man pages are looked up among the packaged ones.
unpacked="$work/unpacked"
rm -rf "$unpacked" && dpkg-deb -x "$deb" "$unpacked"
cp -rn /lib/systemd/system/. "$unpacked/lib/systemd/system/"
if ! out="$(MANPATH="$unpacked/usr/share/man" systemd-analyze verify --root="$unpacked" \
              "$unpacked/lib/systemd/system/opchat.service" 2>&1)"; then
  echo "$out" >&2
  fail "systemd-analyze verify"
fi
[[ -z "$out" ]] || { echo "$out" >&2; fail "systemd-analyze verify printed warnings"; }

# 2. lintian: errors fail; warnings are printed.
step "lintian"
lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian reported errors"

# 3. A fresh Debian 12 root with the package's dependencies, then the package itself.
# debootstrap takes real package names only: a virtual one (libspdlog1.10-fmt9) becomes the
# package that provides it, as the host's apt lists say.
real_name() {
  local policy provider
  policy="$(apt-cache policy "$1")"
  if [[ -n "$policy" && "$policy" != *"Candidate: (none)"* ]]; then echo "$1"; return; fi
  provider="$(apt-cache showpkg "$1" | sed -n '/^Reverse Provides:/{n;p;}' | awk '{print $1}')"
  [[ -n "$provider" ]] || fail "no package provides $1"
  echo "$provider"
}
deps="$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$' |
  while read -r name; do real_name "$name"; done | sort -u | paste -sd, -)"
key="$(printf '%s %s' "$deps" "$MIRROR" | sha256sum | cut -c1-12)"
cache="$work/root-$key.tar.gz"
if [[ ! -f "$cache" ]]; then
  step "debootstrap bookworm (first run only; cached in $cache)"
  fresh="$(mktemp -d "$work/bootstrap.XXXXXX")"
  if ! $SUDO debootstrap --variant=minbase --include="$deps" bookworm "$fresh" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
    tail -20 "$work/debootstrap.log" >&2
    $SUDO rm -rf --one-file-system "$fresh"
    fail "debootstrap"
  fi
  $SUDO rm -rf "$fresh"/var/cache/apt/archives/*.deb
  $SUDO tar -C "$fresh" -czf "$cache.part" . && mv "$cache.part" "$cache"
  $SUDO rm -rf --one-file-system "$fresh"
fi
step "install into a fresh root"
$SUDO tar -C "$root" -xzf "$cache"
$SUDO chmod 755 "$root"  # mktemp made it 0700: the opchat user could not reach /
$SUDO mount --bind /proc "$root/proc"
$SUDO mount --bind /dev "$root/dev"
$SUDO cp "$deb" "$root/tmp/opchat.deb"
$SUDO chroot "$root" dpkg -i /tmp/opchat.deb >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i"; }
$SUDO chroot "$root" getent passwd opchat >/dev/null || fail "postinst created no opchat user"
[[ "$($SUDO chroot "$root" stat -c %U /var/lib/opchat)" == opchat ]] || fail "/var/lib/opchat is not the opchat user's"
$SUDO chroot "$root" dpkg-query -W -f='${Conffiles}\n' opchat | grep -q /etc/opchat/opchat.toml ||
  fail "/etc/opchat/opchat.toml is not a conffile"
for page in opchat opchat-serve opchat-client-add; do
  [[ -f "$root/usr/share/man/man1/$page.1.gz" ]] || fail "no man page $page(1)"
done

# 4. The packaged configuration, as the service runs it: the opchat user, /var/lib/opchat.
step "opchat serve in the root, as opchat"
as_opchat() { $SUDO chroot --userspec=opchat:opchat "$root" env HOME=/var/lib/opchat "$@"; }
credential="$(as_opchat /usr/bin/opchat client add --config /etc/opchat/opchat.toml --name deb-test --channel shop)" ||
  fail "opchat client add"
client="$(sed 's/.*"client":"\([^"]*\)".*/\1/' <<<"$credential")"
secret="$(sed 's/.*"secret":"\([^"]*\)".*/\1/' <<<"$credential")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# `exec`: the background job becomes the server itself (chroot and env exec in turn), so the
# cleanup's kill reaches it, rather than a subshell that would leave it running.
(exec $SUDO chroot --userspec=opchat:opchat "$root" env HOME=/var/lib/opchat \
  /usr/bin/opchat serve --config /etc/opchat/opchat.toml --listen "127.0.0.1:$port") \
  >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
body='{"userId":"u0001debtest"}'
query="$(as_opchat /usr/bin/opchat sign --client "$client" --secret "$secret" --channel shop --endpoint createChat "$body")"
answer="$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$body" \
  "http://127.0.0.1:$port/op/v2/createChat?$query")" || true
status="${answer##*$'\n'}"
if [[ "$status" != 200 ]]; then
  echo "answer: $answer" >&2
  cat "$work/serve.log" >&2
  fail "signed createChat answered ${status:-nothing}"
fi
[[ -f "$root/var/lib/opchat/opchat.db" ]] || fail "no database at /var/lib/opchat/opchat.db"
step "ok: $(basename "$deb") installs, runs as opchat and answers a signed request"
