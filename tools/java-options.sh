# Sourced by the scripts that launch Java (resnetc, bench/run.sh, bench/against.sh). Sets
# java_cmd and javac_cmd, JAVA_HOME's or else the PATH's, and vector_options, the options that
# the generated networks' fast kernels need on that JDK, and two that get them compiled sooner:
# - --add-modules jdk.incubator.vector, without which the scalar kernels run;
# - from JDK 25 on, -XX:-OptoRegScheduling: there C2's scheduling before register allocation
#   keeps one vector more live than AVX2's 16 registers hold in the 6 x 16 micro-kernels, which
#   then spill an accumulator in their inner loop (ResNet-50 takes 1.7 times as long). JDK 17
#   compiles them without a spill either way and goes without the flag, since a kernel of the
#   same shape in a harness did spill there with it. (docs/PERFORMANCE.md, fifteenth session;
#   JDKs 18 to 24 were not measured.)
# - for a sooner first result, C2's thresholds halved for resnetc's runtime alone
#   (CompileThresholdScaling, a per-method CompileCommand; quiet, or the JVM prints the command on
#   stdout): in a fresh JVM its kernels reach C2 after half as many boxed calls. On JDK 17,
#   ResNet-18's first result came down by 12-25%, ResNet-50's did not move; the steady state is
#   the same, and no kernel was left boxed (docs/PERFORMANCE.md, twenty-third session; JDK 25
#   accepts the option but was not measured with it). The two micro-kernels' at a tenth (the
#   later command for a method wins): the stem of the first forward waits for the 14 x 32 one's
#   C2 code, which is now queued after 1128 boxed calls of it instead of 2799. ResNet-18's first
#   result came 5-10% sooner, ResNet-50's 4%, before the same session took a fall-back to the
#   interpreter out of the stem's epilogue; after it 2% and under 1% (docs/PERFORMANCE.md,
#   twenty-sixth session).
# - for a sooner first result still, C2 kept from compiling the Vector API's own methods on their
#   own (tools/compiler-directives.json, a diagnostic option; DisplayVMOutputToStderr, or the JVM
#   prints "1 compiler directives added" on stdout): the boxed start no longer fills C2's queue
#   with the API's fallbacks, and C2 still inlines them inside the kernels. On JDK 17, in four
#   sets of interleaved fresh JVMs each, ResNet-18's first result came 6-14% sooner, ResNet-50's
#   2-10%, the process used 12-18% less CPU, and the steady state was the same
#   (docs/PERFORMANCE.md, twenty-fifth session; JDK 25 gained about as much, in one set).
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  java_cmd="$JAVA_HOME/bin/java"
  javac_cmd="$JAVA_HOME/bin/javac"
else
  java_cmd="java"
  javac_cmd="javac"
fi

# The feature version of java_cmd (17, 25, ...): from the JDK's release file, which costs no
# JVM start, or else from java -version.
java_feature_version() {
  local bin home version
  bin="$(command -v "$java_cmd" 2>/dev/null || true)"
  if [ -n "$bin" ]; then
    home="$(dirname "$(dirname "$(readlink -f "$bin")")")"
    if [ -f "$home/release" ]; then
      version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")"
    fi
  fi
  if [ -z "${version:-}" ]; then
    version="$("$java_cmd" -version 2>&1 | sed -n '1s/[^"]*"\([0-9]*\).*/\1/p')"
  fi
  echo "${version:-0}"
}

vector_options=(--add-modules jdk.incubator.vector
  -XX:CompileCommand=quiet "-XX:CompileCommand=CompileThresholdScaling,dev.resnetc.runtime.*::*,0.5"
  "-XX:CompileCommand=CompileThresholdScaling,dev.resnetc.runtime.BlockedConv::kernel,0.1"
  "-XX:CompileCommand=CompileThresholdScaling,dev.resnetc.runtime.BlockedWinograd::kernel8,0.1"
  -XX:+UnlockDiagnosticVMOptions -XX:+DisplayVMOutputToStderr
  "-XX:CompilerDirectivesFile=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)/compiler-directives.json")
if [ "$(java_feature_version)" -ge 25 ] 2>/dev/null; then
  vector_options+=(-XX:-OptoRegScheduling)
fi
