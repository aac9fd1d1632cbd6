# Sourced by the bench scripts: sets `flags` to the Makefile's build flags (release, tuned for
# this CPU on x86-64), so the benches measure the build `make` produces.
flags=(-c release)
if [ "$(uname -m)" = x86_64 ]; then
  flags+=(-Xswiftc -target-cpu -Xswiftc native -Xcc -march=native)
fi
