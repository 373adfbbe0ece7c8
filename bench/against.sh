#!/usr/bin/env bash
# Times the generated ResNet-18 and ResNet-50 of this tree against those of another revision, in
# one JVM and interleaved rounds (dev.resnetc.bench.Against), and prints this tree's time over the
# revision's: the way to tell whether a change made the kernels faster on a noisy machine.
#   bench/against.sh REV [--models resnet18,resnet50] [--jvms N] [other options of Against,
#   see --help]
# for example
#   bench/against.sh HEAD~3 --models resnet18 --threads 1 --batches 1 --rounds 20
# Each JVM compiles both builds' kernels once, and how well C2 compiles them varies from JVM to
# JVM: one JVM's ratio can be 3-5% off while its quartiles are tight (docs/PERFORMANCE.md,
# fourteenth session). --jvms N runs N JVMs one after another and ends with each cell's median
# ratio over them, and their range.
# The revision is built in a temporary git worktree; both sides load the torchvision weights
# that bench/run.sh uses (made here with tools/reference/make_reference.py when missing).
set -euo pipefail
ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
  echo "usage: bench/against.sh REV [--models M1,M2] [options of dev.resnetc.bench.Against]" >&2
  exit 2
fi
rev="$1"
shift
models="resnet18,resnet50"
jvms=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --jvms) jvms="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if ! [[ "$jvms" =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/against.sh: --jvms takes a positive number, got: $jvms" >&2
  exit 2
fi
if ! base_commit="$(git -C "$ROOT" rev-parse --verify --quiet "$rev^{commit}")"; then
  echo "bench/against.sh: unknown revision: $rev" >&2
  exit 2
fi

work="$(mktemp -d)"
cleanup() {
  git -C "$ROOT" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

build() { # build DIR: packages the command line and the benchmark of the checkout in DIR
  local log="$work/build.log"
  if ! (cd "$1" && mvn -B -q -Dstyle.color=never -DskipTests package \
      dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -pl cli,bench -am) \
      >"$log" 2>&1; then
    cat "$log" >&2
    echo "bench/against.sh: building $1 failed (see the Maven output above)" >&2
    exit 3
  fi
}

echo "building this tree and $rev ($base_commit) ..." >&2
build "$ROOT"
git -C "$ROOT" worktree add --detach "$work/base" "$base_commit" >/dev/null 2>&1
build "$work/base"

source "$ROOT/tools/java-options.sh"
reference="$ROOT/bench/target/reference"
status=0
for model in ${models//,/ }; do
  if [ ! -f "$reference/$model/weights.safetensors" ]; then
    /usr/bin/python3 "$ROOT/tools/reference/make_reference.py" "$reference" "$model" --onnx >&2
  fi
  for side in base head; do
    checkout="$work/base"
    [ "$side" = head ] && checkout="$ROOT"
    if ! "$java_cmd" -jar "$checkout/cli/target/resnetc.jar" compile \
        "$ROOT/samples/$model.resnet" -o "$work/gen-$side/src" -p against >"$work/compile.log" 2>&1
    then
      cat "$work/compile.log" >&2
      exit 3
    fi
    mkdir -p "$work/gen-$side/classes"
    "$javac_cmd" -nowarn -d "$work/gen-$side/classes" -cp "$checkout/runtime/target/classes" \
      "$work/gen-$side/src"/against/*.java
  done
  class="against.$(basename "$work/gen-head/src"/against/*.java .java)"
  : >"$work/tables"
  for ((jvm = 1; jvm <= jvms; jvm++)); do
    if [ "$jvms" -gt 1 ]; then
      echo "JVM $jvm of $jvms"
    fi
    "$java_cmd" "${vector_options[@]}" -Xmx8g \
      -cp "$ROOT/bench/target/classes:$(cat "$ROOT/bench/target/classpath.txt")" \
      dev.resnetc.bench.Against --class "$class" \
      --weights "$reference/$model/weights.safetensors" \
      --base "$work/gen-base/classes:$work/base/runtime/target/classes" \
      --head "$work/gen-head/classes:$ROOT/runtime/target/classes" ${args[@]+"${args[@]}"} 2>&1 \
      | grep --line-buffered -v -e "WARNING: Using incubator modules" \
        -e "compiler directives added" | tee -a "$work/tables" \
      || status=1
  done
  if [ "$jvms" -gt 1 ]; then
    echo "$class over $jvms JVMs: each cell's median ratio (head / base) and its range"
    echo "| batch | threads | median ratio | lowest | highest |"
    echo "|---:|---:|---:|---:|---:|"
    # Against's rows: | batch | threads | base ms | head ms | ratio | quartiles | difference |
    awk -F'|' '$2 ~ /^ *[0-9]+ *$/ { key = ($2 + 0) " " ($3 + 0); r[key] = r[key] " " ($6 + 0) }
      END { for (key in r) print key r[key] }' "$work/tables" | sort -n -k1,1 -k2,2 \
      | while read -r batch threads ratios; do
          # shellcheck disable=SC2086 # the ratios are words
          sorted=($(printf '%s\n' $ratios | sort -g))
          n=${#sorted[@]}
          median=$(awk -v a="${sorted[(n - 1) / 2]}" -v b="${sorted[n / 2]}" \
            'BEGIN { printf "%.3f", (a + b) / 2 }')
          echo "| $batch | $threads | $median | ${sorted[0]} | ${sorted[n - 1]} |"
        done
  fi
  rm -rf "$work/gen-base" "$work/gen-head"
done
exit "$status"
