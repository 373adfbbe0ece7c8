#!/usr/bin/env bash
# Builds resnetc-bench and runs the side-by-side benchmark (generated classes vs ONNX Runtime).
# Arguments go to dev.resnetc.bench.SideBySide (--help lists them), for example
#   bench/run.sh --models resnet18 --batches 1 --threads 1 --rounds 2
# With "kernels" first, it times single convolutions with each algorithm instead
# (dev.resnetc.bench.ConvBench), for example
#   bench/run.sh kernels --threads 1 --peak-gflops 78
#   bench/run.sh kernels --net resnet50       # every convolution of ResNet-50, with the total
# With "ort-profile" first, it prints ONNX Runtime's own time per convolution shape, named as
# in the kernels table (dev.resnetc.bench.OrtProfile), for example
#   bench/run.sh ort-profile --model bench/target/reference/resnet50/model.onnx
# With "layers" first, it times each convolution inside whole forward calls of the generated
# network, next to ONNX Runtime's profile of the same model, the two in alternation
# (dev.resnetc.bench.LayerProfile), for example
#   bench/run.sh layers --model resnet50 --threads 2
# The JVM gets --add-modules jdk.incubator.vector so the generated classes use the fast kernels
# (and on JDK 25 -XX:-OptoRegScheduling), with the options for a sooner first result: C2's lower
# thresholds for the runtime and tools/compiler-directives.json (tools/java-options.sh).
# BENCH_JVM_OPTS adds JVM options, for example
#   BENCH_JVM_OPTS="-XX:StartFlightRecording=filename=/tmp/k.jfr" bench/run.sh kernels --only stem
set -euo pipefail
ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log="$(mktemp)"
if ! (cd "$ROOT" && mvn -B -q -Dstyle.color=never -DskipTests package \
    dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -pl bench -am) \
    >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "bench/run.sh: building resnetc-bench failed (see the Maven output above)" >&2
  exit 3
fi
rm -f "$log"
source "$ROOT/tools/java-options.sh"
main=(dev.resnetc.bench.SideBySide --root "$ROOT")
if [ "${1:-}" = kernels ]; then
  main=(dev.resnetc.bench.ConvBench)
  shift
elif [ "${1:-}" = ort-profile ]; then
  main=(dev.resnetc.bench.OrtProfile)
  shift
elif [ "${1:-}" = layers ]; then
  main=(dev.resnetc.bench.LayerProfile --root "$ROOT")
  shift
fi
cd "$ROOT"
exec "$java_cmd" "${vector_options[@]}" -Xmx8g ${BENCH_JVM_OPTS:-} \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
  "${main[@]}" "$@"
