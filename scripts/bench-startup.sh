#!/usr/bin/env bash
# The cost of one CLI call: `agent-tty version` against a hello-world Rust binary started the
# same way (posix_spawn + wait, output to /dev/null), interleaved run by run so machine noise
# hits both; prints each median and the ratio (budget: version <= 1.3 x hello).
# Extra binaries to compare (e.g. an older build) may follow; each runs with `version`.
# Usage: scripts/bench-startup.sh [path/to/agent-tty] [runs] [other/agent-tty...]
#        (defaults: target/release/agent-tty, 500)
set -eu
BIN=${1:-target/release/agent-tty}; RUNS=${2:-500}; shift $(( $# > 2 ? 2 : $# ))
command -v cc >/dev/null || { echo "bench-startup: needs a C compiler (apt-get install gcc)" >&2; exit 2; }
command -v rustc >/dev/null || { echo "bench-startup: needs rustc" >&2; exit 2; }
[ -x "$BIN" ] || { echo "bench-startup: no binary at $BIN (run \`cargo build --release\` first)" >&2; exit 2; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
echo 'fn main() { println!("hello"); }' > "$T/hello.rs"
rustc -O -o "$T/hello" "$T/hello.rs"
cat > "$T/spawn.c" <<'C'
/* spawn RUNS CMD... : runs each command line (split on spaces) in turn, RUNS times after
   5 warm-up rounds; prints the median wall time of each and its ratio to the first. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
extern char **environ;
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  int runs = atoi(argv[1]), n = argc - 2;
  char ***av = calloc(n, sizeof *av);
  for (int i = 0; i < n; i++) {
    av[i] = calloc(64, sizeof(char *));
    int k = 0;
    for (char *t = strtok(strdup(argv[i + 2]), " "); t && k < 63; t = strtok(NULL, " ")) av[i][k++] = t;
  }
  double *t = calloc((size_t)n * runs, sizeof *t);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  for (int r = -5; r < runs; r++)
    for (int i = 0; i < n; i++) {
      struct timespec a, b; pid_t pid; int status;
      clock_gettime(CLOCK_MONOTONIC, &a);
      if (posix_spawn(&pid, av[i][0], &fa, NULL, av[i], environ)) { perror(av[i][0]); return 1; }
      waitpid(pid, &status, 0);
      clock_gettime(CLOCK_MONOTONIC, &b);
      if (r >= 0) t[(size_t)i * runs + r] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
  double base = 0;
  for (int i = 0; i < n; i++) {
    double *s = t + (size_t)i * runs;
    qsort(s, runs, sizeof *s, cmp);
    if (i == 0) base = s[runs / 2];
    printf("%8.0f us median (p25 %6.0f, p75 %6.0f)  x%.2f  %s\n", s[runs / 2], s[runs / 4], s[3 * runs / 4], s[runs / 2] / base, argv[i + 2]);
  }
  return 0;
}
C
cc -O2 -o "$T/spawn" "$T/spawn.c"
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
cmds=("$T/hello" "$(abs "$BIN") version")
for other in "$@"; do cmds+=("$(abs "$other") version"); done
echo "median of $RUNS interleaved runs (budget: agent-tty version <= 1.30 x hello):"
"$T/spawn" "$RUNS" "${cmds[@]}"
