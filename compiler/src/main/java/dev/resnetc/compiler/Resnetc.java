package dev.resnetc.compiler;

import com.palantir.javapoet.JavaFile;
import dev.resnetc.compiler.codegen.JavaWriter;
import dev.resnetc.compiler.codegen.KernelPlan;
import dev.resnetc.compiler.codegen.MemoryPlan;
import dev.resnetc.compiler.ir.Graph;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.compiler.ir.Shapes;
import dev.resnetc.compiler.lower.Lower;
import dev.resnetc.compiler.lower.Program;
import dev.resnetc.compiler.lower.ProgramLoader;
import dev.resnetc.compiler.opt.OptimizationStats;
import dev.resnetc.compiler.opt.Optimizer;
import dev.resnetc.compiler.opt.Pass;
import dev.resnetc.compiler.pass.InferShapes;
import dev.resnetc.compiler.pass.InsertProjections;
import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import dev.resnetc.dsl.SourceFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The resnetc compiler in one place. {@link #analyze} reads a {@code .resnet} file and its imports,
 * lowers the network to IR, infers and checks every shape and inserts the projections W_s; it stops
 * at the first stage that reported an error, so each stage sees only sound input. {@link #generate}
 * optimizes a checked network (fold BatchNorm, fuse residual epilogues), plans its kernel calls and
 * its activation arena, and writes one Java class. Nothing here prints: every problem goes to the
 * {@link Diagnostics}, and the caller (the CLI, the Maven plugin, a test) decides how to show it.
 */
public final class Resnetc {
  private Resnetc() {}

  /** Reads and checks {@code file}, called {@code name} in diagnostics; IOException if unreadable. */
  public static Optional<Compilation> analyze(Path file, String name, Diagnostics diagnostics)
      throws IOException {
    return ProgramLoader.load(file, name, diagnostics).flatMap(p -> analyze(p, diagnostics));
  }

  /** Checks a source held in memory (imports are still read from disk, relative to its path). */
  public static Optional<Compilation> analyze(SourceFile source, Diagnostics diagnostics) {
    return ProgramLoader.load(source, diagnostics).flatMap(p -> analyze(p, diagnostics));
  }

  public static Optional<Compilation> analyze(Program program, Diagnostics diagnostics) {
    Optional<Graph> lowered = Lower.lower(program, diagnostics);
    if (lowered.isEmpty()) {
      return Optional.empty();
    }
    Optional<Shapes> shapes = InferShapes.run(lowered.get(), diagnostics);
    if (shapes.isEmpty()) {
      return Optional.empty();
    }
    Optional<Graph> projected = InsertProjections.run(lowered.get(), shapes.get(), diagnostics);
    if (projected.isEmpty()) {
      return Optional.empty();
    }
    // NOTE: the inserted projections have no shapes until InferShapes runs again.
    Graph graph = projected.get();
    Optional<Shapes> finalShapes = InferShapes.run(graph, diagnostics);
    if (finalShapes.isEmpty()) {
      return Optional.empty();
    }
    Compilation c = new Compilation(program.main().source(), graph, finalShapes.get(),
        Param.of(graph, finalShapes.get()));
    return checkParamNames(c, diagnostics) ? Optional.of(c) : Optional.empty();
  }

  /** What code generation made, and the figures of {@code resnetc compile --report}. */
  public record Output(JavaFile file, OptimizationStats stats, int kernelCallsBefore,
      int kernelCallsAfter, MemoryPlan memory, KernelPlan plan) {}

  /** Generates the network's class in {@code packageName} ("" for the default package), -O1. */
  public static JavaFile generate(Compilation compilation, String packageName) {
    return generate(compilation, packageName, 1, (pass, c) -> {}).file();
  }

  /**
   * Optimizes a checked network at {@code level} (0 or 1), plans its kernel calls and its
   * activation arena, and writes its class; {@code afterPass} sees the IR after each pass.
   */
  public static Output generate(Compilation checked, String packageName, int level,
      BiConsumer<Pass, Compilation> afterPass) {
    OptimizationStats stats = new OptimizationStats();
    Compilation optimized = Optimizer.run(checked, Optimizer.level(level), stats, afterPass);
    KernelPlan plan = KernelPlan.of(optimized);
    MemoryPlan memory = level == 0 ? MemoryPlan.unplanned(plan) : MemoryPlan.planned(plan);
    JavaFile file = new JavaWriter(plan, memory, checked, packageName).write();
    return new Output(file, stats, KernelPlan.of(checked).steps().size(), plan.steps().size(),
        memory, plan);
  }

  /** Two tensors with one name could not both be loaded; this happens when a W_s name is a label. */
  private static boolean checkParamNames(Compilation c, Diagnostics diagnostics) {
    Map<String, Param> seen = new HashMap<>();
    boolean ok = true;
    for (Param p : c.params()) {
      Param first = seen.putIfAbsent(p.name(), p);
      if (first != null) {
        diagnostics.error(ErrorCode.DUPLICATE_LABEL, p.owner().origin().pos(),
            "parameter '" + p.name() + "' is defined twice (also by the layer at "
                + first.owner().origin().pos() + ")",
            "rename the layer or the residual's projection=NAME");
        ok = false;
      }
    }
    return ok;
  }
}
