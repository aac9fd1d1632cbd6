#!/usr/bin/env bash
# Checks the Dockerfile's runtime stage against the libraries a local build of `vidi` loads, so
# the image cannot silently miss a library after a dependency change even where no container
# engine runs (as in `make test`). Debian/Ubuntu only: packages come from `dpkg -S`.
#
#   scripts/check-image-libs.sh BINARY [DOCKERFILE]   # the check; one summary line when it passes
#   scripts/check-image-libs.sh --self-test BINARY    # also: broken Dockerfile copies must fail
#
# The rules, for the last stage of DOCKERFILE (its `apt-get install` list and its COPY lines):
# 1. every library `ldd BINARY` lists comes from the Swift runtime, which the stage must copy into
#    /usr/lib/swift/linux, or from a package the listed ones install (with their dependencies);
# 2. every library that BINARY or a Swift runtime library names directly (ELF NEEDED) comes from
#    a listed package, so the list does not lean on another package's dependencies;
# 3. every listed package provides one of those direct libraries: the list is exact.
set -euo pipefail

me="check-image-libs"
fail() {
  echo "$me: $*" >&2
  exit 1
}

self_test=0
if [ "${1:-}" = "--self-test" ]; then
  self_test=1
  shift
fi
[ "$#" -ge 1 ] || fail "usage: $0 [--self-test] BINARY [DOCKERFILE]"
binary="$1"
dockerfile="${2:-$(cd "$(dirname "$0")/.." && pwd)/Dockerfile}"
[ -x "$binary" ] || fail "$binary: no such executable (build vidi first)"
[ -f "$dockerfile" ] || fail "$dockerfile: no such file"
if [ "$(uname -s)" != Linux ] || ! command -v dpkg >/dev/null 2>&1; then
  echo "$me: skipped: the image is Debian, and only a Debian or Ubuntu build can be compared with it"
  exit 0
fi
for tool in ldd readelf dpkg-query; do
  command -v "$tool" >/dev/null 2>&1 || fail "needs $tool (Debian/Ubuntu with binutils)"
done

swift_dir_in_image=/usr/lib/swift/linux

# The last stage of a Dockerfile with comment lines dropped and continuation lines joined.
runtime_stage() {
  grep -v '^[[:space:]]*#' "$1" \
    | awk '{ if ($0 ~ /\\[[:space:]]*$/) { sub(/\\[[:space:]]*$/, ""); printf "%s ", $0 } else print }' \
    | awk 'toupper($1) == "FROM" { stage = "" } { stage = stage $0 "\n" } END { printf "%s", stage }'
}

# The packages the stage's `apt-get install` commands name, one a line.
listed_packages() {
  runtime_stage "$1" | grep -o 'apt-get install[^&;|]*' | sed 's/^apt-get install//' \
    | tr -s ' \t' '\n' | grep -v -e '^-' -e '^$' | sed 's/[=:].*//' | sort -u
}

# Whether the stage copies something into the Swift runtime folder.
copies_swift_runtime() {
  runtime_stage "$1" | grep -Eq "^[[:space:]]*COPY[[:space:]].*[[:space:]]${swift_dir_in_image}/?[[:space:]]*$"
}

# Where a library may be in dpkg's lists: its path, the file it resolves to, and their twins across
# the /usr merge, since ldd, dpkg and the file system may each name it differently.
candidates() {
  local path resolved
  path="$1"
  resolved="$(readlink -f "$path")"
  for path in "$path" "$resolved"; do
    echo "$path"
    case "$path" in
      /usr/*) echo "${path#/usr}" ;;
      *) echo "/usr$path" ;;
    esac
  done
}

is_swift_runtime() { [[ "$1" == */lib/swift/linux/* ]]; }

# ldd's libraries, name to path; one it cannot find stops the check.
declare -A lib_path=()
while read -r line; do
  case "$line" in
    *"=> not found"*) fail "$binary: ldd cannot find ${line%% *} on this machine" ;;
    *"=> /"*)
      name="${line%% =>*}"
      path="${line#*=> }"
      lib_path["$name"]="${path%% (*}"
      ;;
    /*)
      path="${line%% (*}"
      lib_path["${path##*/}"]="$path"
      ;;
  esac
done < <(ldd "$binary")
[ "${#lib_path[@]}" -gt 0 ] || fail "$binary: ldd lists no libraries (not a dynamic executable?)"

# Every installed package's dependencies and what it provides, read once: "PACKAGE;PROVIDES;
# DEPENDENCIES", versions and architectures dropped, alternatives joined by "|". (Not tabs: read
# merges adjacent tabs, and most packages provide nothing.)
declare -A installed=() depends=() provider=()
while IFS=';' read -r package provides deps; do
  installed["$package"]=1
  depends["$package"]="$deps"
  for virtual in $provides; do provider["$virtual"]="$package"; done
done < <(dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Provides}\t${Pre-Depends}, ${Depends}\n' \
  | awk -F'\t' '$1 ~ /^ii/ {
      for (i = 3; i <= 4; i++) {
        gsub(/\([^)]*\)|\[[^]]*\]|:[a-z0-9]+/, "", $i); gsub(/[ \t]/, "", $i); gsub(/,+/, " ", $i)
        sub(/^ /, "", $i); sub(/ $/, "", $i)
      }
      print $2 ";" $3 ";" $4
    }')

# The packages NAMES install: themselves and their dependencies (the first alternative installed
# here, as apt picks it).
closure() {
  local -A seen=()
  local queue=("$@") package group alternative chosen
  while [ "${#queue[@]}" -gt 0 ]; do
    package="${queue[-1]}"
    unset 'queue[-1]'
    [ -z "${seen[$package]:-}" ] || continue
    seen["$package"]=1
    echo "$package"
    for group in ${depends[$package]:-}; do
      chosen=""
      for alternative in ${group//|/ }; do
        if [ -n "${installed[$alternative]:-}" ]; then
          chosen="$alternative"
        else
          chosen="${provider[$alternative]:-}"
        fi
        [ -z "$chosen" ] || break
      done
      [ -z "$chosen" ] || queue+=("$chosen")
    done
  done
}

# The libraries FILE names directly (ELF NEEDED), one a line.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# Maps every library to its package, with one dpkg -S for all of them; the Swift runtime maps to
# "swift".
declare -A lib_owner=() path_owner=()
unowned=()
while IFS=$'\t' read -r path package; do path_owner["$path"]="$package"; done < <(
  for name in "${!lib_path[@]}"; do candidates "${lib_path[$name]}"; done | sort -u \
    | xargs dpkg -S 2>/dev/null | sed -n -E -e '/^diversion by/d' -e 's/^([^:,]+)[^ ]*: (\/.*)$/\2\t\1/p' || true)
for name in "${!lib_path[@]}"; do
  path="${lib_path[$name]}"
  if is_swift_runtime "$path"; then
    lib_owner["$name"]=swift
    continue
  fi
  for candidate in $(candidates "$path"); do
    package="${path_owner[$candidate]:-}"
    [ -z "$package" ] || break
  done
  if [ -z "$package" ]; then
    unowned+=("$name ($path)")
  else
    lib_owner["$name"]="$package"
  fi
done
[ "${#unowned[@]}" -eq 0 ] || fail "no Debian package owns $(printf '%s, ' "${unowned[@]}" | sed 's/, $//')"

# Direct libraries: NEEDED by the binary or by a Swift runtime library it loads.
declare -A direct=()
for file in "$binary" $(for name in "${!lib_path[@]}"; do
  is_swift_runtime "${lib_path[$name]}" && echo "${lib_path[$name]}"
done); do
  for name in $(needed "$file"); do direct["$name"]=1; done
done

# Runs the three rules against DOCKERFILE; prints the problems (nothing when it passes).
problems() {
  local file="$1" name package
  local -A listed=() covered=() used=()
  for package in $(listed_packages "$file"); do listed["$package"]=1; done
  [ "${#listed[@]}" -gt 0 ] || {
    echo "$file: the last stage installs no packages with apt-get install"
    return
  }
  for package in $(closure "${!listed[@]}"); do covered["$package"]=1; done
  if ! copies_swift_runtime "$file"; then
    echo "$file: the last stage does not COPY the Swift runtime into $swift_dir_in_image"
  fi
  for name in $(printf '%s\n' "${!lib_owner[@]}" | sort); do
    package="${lib_owner[$name]}"
    [ "$package" != swift ] || continue
    if [ -z "${covered[$package]:-}" ]; then
      echo "$name (${lib_path[$name]}) is in $package, which the runtime stage does not install"
    fi
  done
  for name in $(printf '%s\n' "${!direct[@]}" | sort); do
    package="${lib_owner[$name]:-}"
    [ -n "$package" ] && [ "$package" != swift ] || continue
    used["$package"]=1
    if [ -z "${listed[$package]:-}" ]; then
      echo "$name is linked directly; add $package to the runtime stage's apt-get install"
    fi
  done
  for package in $(printf '%s\n' "${!listed[@]}" | sort); do
    if [ -z "${used[$package]:-}" ]; then
      echo "the runtime stage installs $package, but nothing ${binary##*/} links directly comes from it"
    fi
  done
}

report="$(problems "$dockerfile")"
if [ -n "$report" ]; then
  echo "$me: $dockerfile does not match the libraries of $binary:" >&2
  echo "  ${report//$'\n'/$'\n'  }" >&2
  exit 1
fi

# The check must catch a missing package and a missing Swift runtime, or it proves nothing.
if [ "$self_test" = 1 ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  for package in $(listed_packages "$dockerfile"); do
    pattern="$(sed 's/[][\/.*^$+?(){}|]/\\&/g' <<<"$package")"
    sed -E "s/([[:space:]])${pattern}([[:space:]]|\$)/\\1\\2/" "$dockerfile" >"$scratch/Dockerfile"
    cmp -s "$dockerfile" "$scratch/Dockerfile" && fail "self-test: could not remove $package"
    [ -n "$(problems "$scratch/Dockerfile")" ] \
      || fail "self-test: a runtime stage without $package still passed"
  done
  grep -v "$swift_dir_in_image/\$" "$dockerfile" >"$scratch/Dockerfile"
  [ -n "$(problems "$scratch/Dockerfile")" ] \
    || fail "self-test: a runtime stage that does not copy the Swift runtime still passed"
fi

swift_count=0
for name in "${!lib_owner[@]}"; do [ "${lib_owner[$name]}" != swift ] || swift_count=$((swift_count + 1)); done
packages="$(printf '%s\n' "${lib_owner[@]}" | grep -vx swift | sort -u | wc -l)"
listed="$(listed_packages "$dockerfile" | wc -l)"
summary="$me: ok: ${binary##*/} loads ${#lib_path[@]} libraries: $swift_count from the Swift runtime"
summary+=" the image copies, the rest from $packages Debian packages that the $listed listed in"
summary+=" ${dockerfile##*/}'s runtime stage install"
[ "$self_test" = 0 ] || summary+=" (self-test: dropping any one of the $listed fails)"
echo "$summary"
