# Sourced by the install hooks that take packages from another Debian suite
# than the machine's (sid, trixie), to unpack them, never to install them.

# apt_suite DIR SUITE makes a private apt configuration in DIR for Debian's
# SUITE, on the mirror the machine already uses, fetches its package lists,
# and sets the array apt_opts for apt-get and apt-cache. The machine's own
# apt set-up and lists stay untouched.
apt_suite() {
  local dir=$1 suite=$2 uri
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  uri=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  uri=${uri:-http://deb.debian.org/debian}
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$dir/sources.list"
  apt_opts=(
    -o "Dir::Etc::SourceList=$dir/sources.list"
    -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/lists"
    -o "Dir::Cache=$dir/cache"
    # The folders are the caller's, which apt's _apt user may not write.
    -o "APT::Sandbox::User=$(id -un)"
  )
  apt-get "${apt_opts[@]}" -qq update
}
