#!/usr/bin/env bash
# Runs the README's two commands in a Debian 13 (trixie) userland, so a session
# on Debian 12 can check the other Debian (libtorch 2.6 there, 1.13 here) before
# saying an issue is resolved. Needs root (debootstrap, chroot, mounts).
#
#   bash scripts/check-debian13.sh                  setup + main command, then npm test
#   bash scripts/check-debian13.sh --no-main        setup, then npm test
#   bash scripts/check-debian13.sh --tests 'test/training/distributed.test.ts'
#                                                   setup, then vitest on those files only
#   bash scripts/check-debian13.sh --shell          a shell in the copy (after setup)
#   bash scripts/check-debian13.sh --no-main --run 'npm run build:prebuild' --bring prebuilds/linux-x64
#                                                   setup, then that command instead of the tests,
#                                                   then that path of the copy copied back here
#   --quick   keep the copy's build/ from the last run and rebuild it incrementally
#             (else every run starts as a fresh clone: the addon compiles anew)
#
# The userland is made once with debootstrap and kept in $GENTORCH_TRIXIE
# (default /var/cache/gentorch/trixie). Each run copies the working tree
# (tracked and untracked-not-ignored files, as a clone plus your edits) to
# /root/gentorch inside it, emptied first (but for build/ with --quick). Node and npm are this machine's own, copied in: the
# userland has no other way to the same Node that the machines here have.
# The two commands are read from README.md's first ```sh block, not repeated here.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
root="${GENTORCH_TRIXIE:-/var/cache/gentorch/trixie}"
mirror="${GENTORCH_TRIXIE_MIRROR:-http://deb.debian.org/debian}"
main=1 quick=0 shell=0 tests="" run="" bring=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-main) main=0 ;;
    --quick) quick=1 ;;
    --shell) shell=1 ;;
    --tests) tests="$2"; shift ;;
    --run) run="$2"; shift ;;
    --bring) bring="$2"; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "check-debian13: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
say() { echo "check-debian13: $*"; }

if [ "$(id -u)" != 0 ]; then say "needs root (debootstrap, chroot, mounts)"; exit 2; fi

# 1. The userland, once.
if [ ! -f "$root/.gentorch-ready" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
  say "making a Debian 13 userland in $root (once; a few minutes)"
  rm -rf "$root.partial"
  mkdir -p "$(dirname "$root")"
  debootstrap --variant=minbase --include=ca-certificates,git,python3,make,procps trixie "$root.partial" "$mirror"
  rm -rf "$root"
  mv "$root.partial" "$root"
  touch "$root/.gentorch-ready"
fi

# 2. Node and npm: this machine's, copied in (refreshed when they change).
node_bin="$(command -v node)"
npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
if ! cmp -s "$node_bin" "$root/usr/local/bin/node"; then
  say "copying node $(node -v) and npm $(npm -v) into the userland"
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules"
  cp "$node_bin" "$root/usr/local/bin/node"
  rm -rf "$root/usr/local/lib/node_modules/npm"
  cp -r "$(readlink -f "$npm_dir")" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
fi

# This machine's way to the registries: its extra CA certificates (a proxy's)
# and npm's settings, so npm in the userland reaches the registry as npm here does.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
fi
global_npmrc="$(npm config get globalconfig 2>/dev/null || true)"
if [ -f "$global_npmrc" ]; then mkdir -p "$root/usr/local/etc"; cp "$global_npmrc" "$root/usr/local/etc/npmrc"; fi
if [ -f /root/.npmrc ]; then cp /root/.npmrc "$root/root/.npmrc"; fi

# 3. The working tree, as a clone would have it plus uncommitted edits.
copy="$root/root/gentorch"
mkdir -p "$copy"
if [ "$quick" = 1 ]; then
  find "$copy" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
else
  find "$copy" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
fi
say "copying the working tree to /root/gentorch"
(cd "$here" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) \
  | (cd "$here" && tar --null -T - -cf -) | (cd "$copy" && tar -xf -)

# 4. Mounts for the run, undone on exit.
mounts=()
mnt() { mount "$@"; mounts+=("${@: -1}"); }
# Processes still running in the userland (an interrupted run) go first.
stray() { for p in /proc/[0-9]*; do [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"; done; }
cleanup() {
  set +e
  local left; left="$(stray)"
  if [ -n "$left" ]; then kill -9 $left 2>/dev/null; fi
  for ((i=${#mounts[@]}-1; i>=0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null; done
}
# Mounts left by a run that was killed before it could undo them.
awk -v r="$root/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" || true; done
trap cleanup EXIT
trap 'exit 130' INT TERM
mnt -t proc proc "$root/proc"
mnt -t sysfs sys "$root/sys"
mnt --bind /dev "$root/dev"
mnt -t devpts devpts "$root/dev/pts" -o newinstance,ptmxmode=0666
mnt -t tmpfs tmpfs "$root/dev/shm"
cp /etc/resolv.conf "$root/etc/resolv.conf"

# 5. The README's two commands.
readme_cmds="$(awk '/^```sh$/ {on=1; next} on && /^```/ {exit} on' "$here/README.md")"
setup_cmd="$(printf '%s\n' "$readme_cmds" | sed -n 1p)"
test_cmd="$(printf '%s\n' "$readme_cmds" | sed -n 2p)"
if [ "$main" = 0 ]; then setup_cmd="${setup_cmd%% && *}"; fi
if [ -n "$tests" ]; then test_cmd="npx tsc -p tsconfig.test.json && npx vitest run $tests"; fi
if [ -n "$run" ]; then test_cmd="$run"; fi
in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    TERM="${TERM:-dumb}" CI="${CI:-}" LANG=C.UTF-8 ${NODE_EXTRA_CA_CERTS:+NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS} \
    /bin/bash -c "cd /root/gentorch && $1"
}
say "Debian $(cat "$root/etc/debian_version"): $setup_cmd"
if [ "$quick" = 1 ] && [ -d "$copy/build" ]; then
  # The install step reuses an addon that loads: rebuild the kept one first.
  in_root "${setup_cmd%% && *} && npm run build:native"
  setup_cmd="${setup_cmd#* && }"; [ "$main" = 1 ] && in_root "$setup_cmd"
else
  in_root "$setup_cmd"
fi
if [ "$shell" = 1 ]; then in_root 'exec bash -i'; exit 0; fi
say "Debian $(cat "$root/etc/debian_version"): $test_cmd"
in_root "$test_cmd"
if [ -n "$bring" ]; then
  say "copying $bring back from the userland"
  mkdir -p "$here/$bring"
  cp -a "$copy/$bring/." "$here/$bring/"
fi
say "passed on Debian $(cat "$root/etc/debian_version")"
