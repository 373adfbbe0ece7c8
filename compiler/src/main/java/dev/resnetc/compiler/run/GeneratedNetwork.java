package dev.resnetc.compiler.run;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.Resnetc;
import dev.resnetc.compiler.codegen.ClassCompiler;
import dev.resnetc.runtime.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A network's generated class, compiled with javac in memory, and its loaded models, called through
 * reflection; used by {@code resnetc run}, {@code resnetc bench} and the side-by-side benchmark.
 */
public final class GeneratedNetwork {
  private final Compilation compilation;
  private final Class<?> type;

  private GeneratedNetwork(Compilation compilation, Class<?> type) {
    this.compilation = compilation;
    this.type = type;
  }

  /** Generates the Java class of {@code compilation} in {@code packageName} and compiles it. */
  public static GeneratedNetwork compile(Compilation compilation, String packageName) {
    return new GeneratedNetwork(compilation,
        ClassCompiler.compile(Resnetc.generate(compilation, packageName)));
  }

  /** The generated class. */
  public Class<?> type() {
    return type;
  }

  /** The shape of one input sample, without the batch. */
  public int[] inputShape() {
    return compilation.graph().inputShape().dims();
  }

  /** The shape of one output sample, without the batch. */
  public int[] outputShape() {
    return compilation.outputShape().dims();
  }

  /** Floats in one input sample. */
  public int inputSize() {
    return Arrays.stream(inputShape()).reduce(1, Math::multiplyExact);
  }

  /** Multiply-adds of one sample, the generated class's {@code MULTIPLY_ADDS}. */
  public long multiplyAdds() {
    try {
      return type.getField("MULTIPLY_ADDS").getLong(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("generated class lacks MULTIPLY_ADDS", e);
    }
  }

  /** Every weight tensor the network needs, in load order. */
  @SuppressWarnings("unchecked")
  public List<TensorSpec> parameters() {
    return (List<TensorSpec>) call("parameters", null, new Class<?>[0]);
  }

  /**
   * Loads weights from a safetensors or {@code .npz} file.
   *
   * @throws IOException if the file cannot be read or is malformed
   * @throws dev.resnetc.runtime.WeightsException if tensors are missing, unexpected or mis-shaped
   */
  public Model load(Path weights, String stripPrefix) throws IOException {
    try {
      return new Model(call("load", null, new Class<?>[] {Path.class, String.class}, weights,
          stripPrefix));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** A model made from weights already in memory (copied). */
  public Model of(Map<String, float[]> weights) {
    try {
      return new Model(type.getConstructor(Map.class).newInstance(weights));
    } catch (InvocationTargetException e) {
      throw rethrow(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("generated class lacks its Map constructor", e);
    }
  }

  /**
   * Waits until the warm-up of the runtime this class links against is over
   * ({@code Kernels.awaitWarmUp}), so that a timing does not share the machine with it.
   *
   * @throws IllegalStateException if the calling thread is interrupted while it waits (its
   *     interrupt flag is set again)
   */
  public void awaitWarmUp() {
    try {
      Class.forName("dev.resnetc.runtime.Kernels", true, type.getClassLoader())
          .getMethod("awaitWarmUp").invoke(null);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the kernels' warm-up",
            e.getCause());
      }
      throw rethrow(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("the runtime lacks Kernels.awaitWarmUp", e);
    }
  }

  private Object call(String name, Object target, Class<?>[] types, Object... args) {
    Method m;
    try {
      m = type.getMethod(name, types);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("generated class lacks " + name, e);
    }
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw rethrow(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call " + name + " of the generated class", e);
    }
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof IOException io) {
      return new UncheckedIOException(io);
    }
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new IllegalStateException(cause);
  }

  /** One instance of the generated class: immutable weights and a {@code forward} method. */
  public final class Model {
    private final Object instance;
    private final MethodHandle forward;

    private Model(Object instance) {
      this.instance = instance;
      try {
        this.forward = MethodHandles.publicLookup()
            .findVirtual(type, "forward", MethodType.methodType(float[].class, float[].class))
            .bindTo(instance);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("generated class lacks forward(float[])", e);
      }
    }

    /** Runs a batch (its size is the input's length divided by one sample's). */
    public float[] forward(float[] batch) {
      try {
        return (float[]) forward.invokeExact(batch);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IllegalStateException(e);
      }
    }

    /**
     * This model on a pool of {@code threads} threads, if the generated class has
     * {@code withThreads(int)}; empty if it has not (then it uses the processors it chooses).
     */
    public Optional<Model> withThreads(int threads) {
      Method m;
      try {
        m = type.getMethod("withThreads", int.class);
      } catch (NoSuchMethodException e) {
        return Optional.empty();
      }
      try {
        return Optional.of(new Model(m.invoke(instance, threads)));
      } catch (InvocationTargetException e) {
        throw rethrow(e.getCause());
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot call withThreads of the generated class", e);
      }
    }

    /** The instance of the generated class. */
    public Object instance() {
      return instance;
    }
  }
}
