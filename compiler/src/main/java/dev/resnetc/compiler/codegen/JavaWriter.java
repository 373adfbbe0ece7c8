package dev.resnetc.compiler.codegen;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.runtime.Arenas;
import dev.resnetc.runtime.CheckedWeights;
import dev.resnetc.runtime.Conv2d;
import dev.resnetc.runtime.ConvWeights;
import dev.resnetc.runtime.Fold;
import dev.resnetc.runtime.Kernels;
import dev.resnetc.runtime.Layout;
import dev.resnetc.runtime.Parallel;
import dev.resnetc.runtime.Pool2d;
import dev.resnetc.runtime.TensorFiles;
import dev.resnetc.runtime.TensorSpec;
import dev.resnetc.runtime.Weights;
import dev.resnetc.runtime.WeightsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.lang.model.element.Modifier;

/**
 * Writes a {@link KernelPlan} as one public final Java class: the weight table, a constructor that
 * validates and copies the weights, and {@code forward}, a straight line of runtime kernel calls.
 * Pure: returns a {@link JavaFile} and writes nothing. Output is deterministic (no timestamps, plan
 * order only), so golden files can pin it.
 */
public final class JavaWriter {
  private static final TypeName FLOATS = ArrayTypeName.of(TypeName.FLOAT);
  private static final ClassName KERNELS = ClassName.get(Kernels.class);
  private static final ClassName LAYOUT = ClassName.get(Layout.class);
  private static final ClassName WEIGHTS = ClassName.get(Weights.class);
  private static final ClassName ARENAS = ClassName.get(Arenas.class);
  private static final ClassName PARALLEL = ClassName.get(Parallel.class);
  private static final ClassName CHECKED = ClassName.get(CheckedWeights.class);
  private static final ClassName CONV_WEIGHTS = ClassName.get(ConvWeights.class);
  private static final ClassName FOLD = ClassName.get(Fold.class);
  private static final ClassName TENSOR_SPEC = ClassName.get(TensorSpec.class);
  private static final ClassName TENSOR_FILES = ClassName.get(TensorFiles.class);
  private static final ClassName WEIGHTS_EXCEPTION = ClassName.get(WeightsException.class);
  private static final TypeName WEIGHT_MAP = ParameterizedTypeName.get(ClassName.get(Map.class),
      ClassName.get(String.class), FLOATS);

  private final KernelPlan plan;
  private final MemoryPlan memory;
  private final Compilation compilation;
  private final Compilation source;
  private final String packageName;
  private final NameAllocator names = new NameAllocator();
  private final Map<String, String> fieldOfArray = new HashMap<>();
  private final Map<Object, String> constantOfGeometry = new LinkedHashMap<>();

  /**
   * Writes {@code plan} with its arena laid out by {@code memory}; {@code source} is the network
   * as written, before optimization, which the class Javadoc describes.
   */
  public JavaWriter(KernelPlan plan, MemoryPlan memory, Compilation source, String packageName) {
    this.plan = plan;
    this.memory = memory;
    this.compilation = plan.compilation();
    this.source = source;
    this.packageName = packageName;
    for (String reserved : List.of("input", "output", "arena", "arenas", "n", "w", "weights",
        "file", "in", "stripPrefix", "resource", "other", "parallel", "threads", "INPUT_SHAPE",
        "OUTPUT_SHAPE", "PARAMETERS", "PARAMETER_COUNT", "MULTIPLY_ADDS", "ACTIVATION_BYTES",
        "ARENA_FLOATS", "LAYOUT")) {
      names.newName(reserved, reserved);
    }
  }

  public JavaFile write() {
    String className = compilation.graph().name();
    TypeSpec.Builder type = TypeSpec.classBuilder(className)
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addJavadoc(classJavadoc(className));
    addConstants(type);
    for (KernelPlan.Array a : plan.arrays()) {
      String field = names.newName(a.key(), a);
      fieldOfArray.put(a.key(), field);
      TypeName fieldType = a.convolution().isPresent() ? CONV_WEIGHTS : FLOATS;
      type.addField(FieldSpec.builder(fieldType, field, Modifier.PRIVATE, Modifier.FINAL)
          .addJavadoc("$L$L", a.key(), a.fold().map(f -> ", with " + f.batchNorm() + " folded in")
              .orElse(""))
          .build());
    }
    type.addField(FieldSpec.builder(ARENAS, "arenas", Modifier.PRIVATE, Modifier.FINAL)
        .initializer("new $T()", ARENAS)
        .build());
    type.addField(FieldSpec.builder(PARALLEL, "parallel", Modifier.PRIVATE, Modifier.FINAL)
        .build());
    MethodSpec forward = forward();
    type.addFields(geometryFields());
    type.addMethod(constructor());
    type.addMethods(loaders(className));
    type.addMethod(checkedConstructor());
    type.addMethod(copyConstructor(className));
    type.addMethod(withThreads(className));
    type.addMethod(MethodSpec.methodBuilder("parameters")
        .addJavadoc("Every weight tensor this network needs, by name and shape, in load order.\n")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .returns(ParameterizedTypeName.get(ClassName.get(List.class), TENSOR_SPEC))
        .addStatement("return PARAMETERS")
        .build());
    type.addMethod(shapeGetter("inputShape", "INPUT_SHAPE",
        "The shape of one input image (without the batch dimension).\n"));
    type.addMethod(shapeGetter("outputShape", "OUTPUT_SHAPE",
        "The shape of one output row (without the batch dimension).\n"));
    type.addMethod(forward);
    return JavaFile.builder(packageName, type.build())
        .addFileComment("Generated by resnetc from $L. Do not edit.", compilation.source().name())
        .indent("  ")
        .skipJavaLangImports(true)
        .build();
  }

  private CodeBlock classJavadoc(String className) {
    Shape in = compilation.graph().inputShape();
    Shape out = compilation.outputShape();
    CodeBlock.Builder doc = CodeBlock.builder()
        .add("$L, compiled by resnetc from {@code $L}.\n\n", className,
            compilation.source().name())
        .add("<p>Input {@code [N, $L]}, output {@code [N, $L]} (float32, batch first); $L"
                + " parameters; $L multiply-adds per image.\n\n",
            join(in.dims()), join(out.dims()), String.format("%,d", compilation.parameterCount()),
            String.format("%,d", compilation.multiplyAdds()))
        .add("<pre>\n")
        .add("$L\n", String.format("%-24s %-18s %12s", "layer", "output", "parameters"));
    for (Row row : topLevel(source)) {
      doc.add("$L\n", String.format("%-24s %-18s %,12d", row.name(), row.output(), row.params()));
    }
    return doc.add("</pre>\n\n")
        .add("<p>Load the weights once and share the instance: it is immutable, and {@code forward}\n"
            + "may be called from several threads at once.\n")
        .add("<pre>{@code\n$L net = $L.load(Path.of(\"weights.safetensors\")); // or .npz\n"
            + "float[] y = net.forward(x); // x.length = N * $L, y.length = N * $L\n}</pre>\n",
            className, className, in.size(), out.size())
        .build();
  }

  private static String join(int[] dims) {
    return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", "));
  }

  private void addConstants(TypeSpec.Builder type) {
    type.addField(FieldSpec.builder(TypeName.LONG, "PARAMETER_COUNT", Modifier.PUBLIC,
            Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("Trainable parameters, as PyTorch counts them.\n")
        .initializer("$LL", compilation.parameterCount())
        .build());
    type.addField(FieldSpec.builder(TypeName.LONG, "MULTIPLY_ADDS", Modifier.PUBLIC,
            Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("Multiply-adds of convolutions and dense layers for one image.\n")
        .initializer("$LL", compilation.multiplyAdds())
        .build());
    type.addField(FieldSpec.builder(TypeName.LONG, "ACTIVATION_BYTES", Modifier.PUBLIC,
            Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("Bytes of activation memory (one arena) per image; a batch of N uses N times"
            + " as much.\n")
        .initializer("$LL", memory.arena() * Float.BYTES)
        .build());
    type.addField(FieldSpec.builder(TypeName.INT, "ARENA_FLOATS", Modifier.PRIVATE,
            Modifier.STATIC, Modifier.FINAL)
        .initializer("$L", memory.arena())
        .build());
    type.addField(FieldSpec.builder(LAYOUT, "LAYOUT", Modifier.PRIVATE, Modifier.STATIC,
            Modifier.FINAL)
        .addJavadoc("Where the activations lie: blocked by channels with AVX-512, else NCHW.\n")
        .initializer("$T.preferred()", LAYOUT)
        .build());
    type.addField(shapeField("INPUT_SHAPE", compilation.graph().inputShape()));
    type.addField(shapeField("OUTPUT_SHAPE", compilation.outputShape()));
    CodeBlock.Builder specs = CodeBlock.builder().add("$T.of(", List.class).indent();
    List<Param> params = plan.params();
    for (int i = 0; i < params.size(); i++) {
      specs.add("\nnew $T($S, new int[] {$L})$L", TENSOR_SPEC, params.get(i).name(),
          join(params.get(i).shape()), i + 1 < params.size() ? "," : "");
    }
    specs.unindent().add(")");
    type.addField(FieldSpec.builder(
            ParameterizedTypeName.get(ClassName.get(List.class), TENSOR_SPEC), "PARAMETERS",
            Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .initializer(specs.build())
        .build());
  }

  private static FieldSpec shapeField(String name, Shape shape) {
    return FieldSpec.builder(ArrayTypeName.of(TypeName.INT), name, Modifier.PRIVATE,
            Modifier.STATIC, Modifier.FINAL)
        .initializer("{$L}", join(shape.dims()))
        .build();
  }

  private static MethodSpec shapeGetter(String method, String field, String doc) {
    return MethodSpec.methodBuilder(method)
        .addJavadoc(doc)
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .returns(ArrayTypeName.of(TypeName.INT))
        .addStatement("return $N.clone()", field)
        .build();
  }

  /** The public constructor: weights from a map, checked and copied. */
  private MethodSpec constructor() {
    return MethodSpec.constructorBuilder()
        .addModifiers(Modifier.PUBLIC)
        .addJavadoc("Builds the network from named weights, as in a PyTorch {@code state_dict}.\n"
            + "The arrays are copied, so the caller may reuse them.\n\n"
            + "@throws $T listing every missing, unexpected and mis-sized tensor at once\n",
            WEIGHTS_EXCEPTION)
        .addParameter(WEIGHT_MAP, "weights")
        .addStatement("this($T.of($T.require(weights, PARAMETERS)))", CHECKED, WEIGHTS)
        .build();
  }

  /**
   * The constructor every path ends in: takes tensors that already passed the checks, and folds
   * BatchNorms into the layers before them.
   */
  private MethodSpec checkedConstructor() {
    MethodSpec.Builder m = MethodSpec.constructorBuilder()
        .addModifiers(Modifier.PRIVATE)
        .addParameter(CHECKED, "w");
    for (KernelPlan.Array a : plan.arrays()) {
      CodeBlock value = arrayValue(a);
      if (a.convolution().isPresent()) {
        Conv2d g = a.convolution().get();
        CodeBlock algorithm = CodeBlock.of("$T.$L", ConvWeights.Algorithm.class,
            KernelPlan.narrowAlgorithm(g));
        if (KernelPlan.algorithm(g) == ConvWeights.Algorithm.CHANNELS) {
          algorithm = CodeBlock.of("$T.channelsOr($L)", KERNELS, algorithm);
        }
        value = CodeBlock.of("$T.prepareDeferred($N, $L, $L, LAYOUT)", KERNELS,
            geometry(g, a.key().substring(0, a.key().lastIndexOf('.'))), value, algorithm);
      }
      m.addStatement("this.$N = $L", fieldOfArray.get(a.key()), value);
    }
    return m.addStatement("this.parallel = $T.ofAvailableProcessors()", PARALLEL).build();
  }

  /** A weight array as read from the file, or folded with its BatchNorm. */
  private static CodeBlock arrayValue(KernelPlan.Array a) {
    if (a.fold().isEmpty()) {
      return CodeBlock.of("w.take($S)", a.source().orElseThrow());
    }
    String bn = a.fold().get().batchNorm();
    double eps = a.fold().get().eps();
    if (a.isBias()) {
      return CodeBlock.of("$T.bias($L, w.get($S), w.get($S), w.get($S), w.get($S), $L)",
          FOLD, a.source().map(src -> CodeBlock.of("w.take($S)", src))
              .orElse(CodeBlock.of("null")), bn + ".weight", bn + ".bias", bn + ".running_mean",
          bn + ".running_var", eps);
    }
    return CodeBlock.of("$T.weight(w.take($S), w.get($S), w.get($S), $L)", FOLD,
        a.source().orElseThrow(), bn + ".weight", bn + ".running_var", eps);
  }

  /** {@code withThreads(n)}: the same immutable weights on a pool of {@code n} threads. */
  private MethodSpec withThreads(String className) {
    ClassName self = ClassName.get(packageName, className);
    return MethodSpec.methodBuilder("withThreads")
        .addModifiers(Modifier.PUBLIC)
        .addJavadoc("This network on {@code threads} threads (the default is one per available\n"
            + "processor); shares the weights, so it costs no memory.\n")
        .returns(self)
        .addParameter(TypeName.INT, "threads")
        .addStatement("return new $T(this, $T.of(threads))", self, PARALLEL)
        .build();
  }

  private MethodSpec copyConstructor(String className) {
    MethodSpec.Builder m = MethodSpec.constructorBuilder()
        .addModifiers(Modifier.PRIVATE)
        .addParameter(ClassName.get(packageName, className), "other")
        .addParameter(PARALLEL, "parallel");
    for (KernelPlan.Array a : plan.arrays()) {
      m.addStatement("this.$N = other.$N", fieldOfArray.get(a.key()), fieldOfArray.get(a.key()));
    }
    return m.addStatement("this.parallel = parallel").build();
  }

  /** {@code load(Path)}, {@code load(Path, prefix)}, {@code load(InputStream)} and a resource. */
  private List<MethodSpec> loaders(String className) {
    ClassName self = ClassName.get(packageName, className);
    String formats = "A safetensors file (F32, F16 or BF16 tensors) or a NumPy {@code .npz} file, as\n"
        + "{@code numpy.savez(**{k: v.numpy() for k, v in state_dict.items()})} writes it; the\n"
        + "format is read from the content. Loading is strict: one {@link $T} lists every\n"
        + "missing, unexpected and mis-shaped tensor ({@code num_batches_tracked} is ignored), and\n"
        + "no model is built unless all are right.\n\n";
    String throwsDoc = "@throws $T if the file cannot be read or is not a valid weight file\n"
        + "@throws $T if the tensors do not match {@link #parameters()}\n";
    MethodSpec path = MethodSpec.methodBuilder("load")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .addJavadoc("Loads the network's weights from {@code file}.\n\n<p>" + formats + throwsDoc,
            WEIGHTS_EXCEPTION, IOException.class, WEIGHTS_EXCEPTION)
        .returns(self)
        .addParameter(Path.class, "file")
        .addException(IOException.class)
        .addStatement("return load(file, \"\")")
        .build();
    MethodSpec prefixed = MethodSpec.methodBuilder("load")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .addJavadoc("Loads weights whose names may carry {@code stripPrefix}, such as the\n"
            + "{@code module.} that {@code DataParallel} adds; the prefix is removed where present.\n\n"
            + throwsDoc, IOException.class, WEIGHTS_EXCEPTION)
        .returns(self)
        .addParameter(Path.class, "file")
        .addParameter(String.class, "stripPrefix")
        .addException(IOException.class)
        .addStatement("return new $T($T.of($T.requireTensors($T.read(file), PARAMETERS,"
            + " stripPrefix)))", self, CHECKED, WEIGHTS, TENSOR_FILES)
        .build();
    MethodSpec stream = MethodSpec.methodBuilder("load")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .addJavadoc("Loads weights from a stream holding a safetensors or {@code .npz} file; reads it\n"
            + "to the end and does not close it.\n\n" + throwsDoc, IOException.class,
            WEIGHTS_EXCEPTION)
        .returns(self)
        .addParameter(InputStream.class, "in")
        .addParameter(String.class, "stripPrefix")
        .addException(IOException.class)
        .addStatement("return new $T($T.of($T.requireTensors($T.read(in, $S), PARAMETERS,"
            + " stripPrefix)))", self, CHECKED, WEIGHTS, TENSOR_FILES, className + " weights")
        .build();
    MethodSpec resource = MethodSpec.methodBuilder("loadResource")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .addJavadoc("Loads weights from a class path resource, found as\n"
            + "{@code $T.class.getResourceAsStream(resource)} finds it.\n\n" + throwsDoc, self,
            IOException.class, WEIGHTS_EXCEPTION)
        .returns(self)
        .addParameter(String.class, "resource")
        .addException(IOException.class)
        .addStatement("return new $T($T.of($T.requireTensors($T.readResource($T.class,"
            + " resource), PARAMETERS, \"\")))", self, CHECKED, WEIGHTS, TENSOR_FILES, self)
        .build();
    return List.of(path, prefixed, stream, resource);
  }

  /**
   * Whether a convolution runs Winograd where the runtime may defer its weights
   * ({@code Kernels.prepareDeferred}, with 16-float vectors).
   */
  private boolean hasWinograd() {
    return plan.arrays().stream().flatMap(a -> a.convolution().stream())
        .anyMatch(g -> KernelPlan.algorithm(g).winograd());
  }

  private MethodSpec forward() {
    MethodSpec.Builder m = MethodSpec.methodBuilder("forward")
        .addModifiers(Modifier.PUBLIC)
        .addJavadoc("Runs a batch of images through the network.\n\n")
        .addJavadoc(hasWinograd() ? "<p>Calls made soon after the JVM started may run the"
            + " Winograd layers on the direct\nkernel while their weights are still being"
            + " transformed; their outputs can then\ndiffer from later calls' in the last"
            + " digits. Once\n{@code dev.resnetc.runtime.Kernels.awaitWarmUp()} has returned,"
            + " every call gives\nthe same digits for the same input.\n\n" : "")
        .addJavadoc("@param input {@code [N, $L]} floats, NCHW, for any batch size N >= 1\n"
            + "@return {@code [N, $L]} floats\n"
            + "@throws IllegalArgumentException if the length is not a multiple of one image\n",
            join(compilation.graph().inputShape().dims()),
            join(compilation.outputShape().dims()))
        .returns(FLOATS)
        .addParameter(FLOATS, "input")
        .addStatement("int n = $T.batchOf(input, INPUT_SHAPE)", WEIGHTS)
        .addStatement("float[] output = new float[$T.multiplyExact(n, $L)]", Math.class,
            compilation.outputShape().size())
        .addStatement("float[] arena = arenas.take((long) n * ARENA_FLOATS)")
        .beginControlFlow("try");
    for (KernelPlan.Step step : plan.steps()) {
      m.addStatement(call(step));
    }
    return m.nextControlFlow("finally")
        .addStatement("arenas.give(arena)")
        .endControlFlow()
        .addStatement("return output")
        .build();
  }

  /** A buffer as the two kernel arguments array, offset. */
  private CodeBlock at(int buffer) {
    if (buffer == KernelPlan.INPUT) {
      return CodeBlock.of("input, 0");
    }
    if (buffer == plan.outputBuffer()) {
      return CodeBlock.of("output, 0");
    }
    int offset = memory.offset(buffer);
    return offset == 0 ? CodeBlock.of("arena, 0") : CodeBlock.of("arena, $L * n", offset);
  }

  private CodeBlock residual(int buffer) {
    return buffer < 0 ? CodeBlock.of("null, 0") : at(buffer);
  }

  private String field(String key) {
    return key == null ? "null" : "this." + fieldOfArray.get(key);
  }

  private String geometry(Object g, String node) {
    return constantOfGeometry.computeIfAbsent(g,
        k -> names.newName(node.toUpperCase(java.util.Locale.ROOT).replace('.', '_'), k));
  }

  private List<FieldSpec> geometryFields() {
    return constantOfGeometry.entrySet().stream().map(e -> {
      CodeBlock init;
      if (e.getKey() instanceof Conv2d c) {
        init = CodeBlock.of("new $T($L, $L, $L, $L, $L, $L, $L, $L, $L)", Conv2d.class,
            c.inChannels(), c.inHeight(), c.inWidth(), c.outChannels(), c.kernel(), c.stride(),
            c.padding(), c.dilation(), c.groups());
      } else {
        Pool2d p = (Pool2d) e.getKey();
        init = CodeBlock.of("new $T($L, $L, $L, $L, $L, $L)", Pool2d.class, p.channels(),
            p.inHeight(), p.inWidth(), p.kernel(), p.stride(), p.padding());
      }
      return FieldSpec.builder(ClassName.get(e.getKey().getClass()), e.getValue(),
          Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL).initializer(init).build();
    }).toList();
  }

  /** The kernel call of one step; every buffer it names is already declared. */
  private CodeBlock call(KernelPlan.Step s) {
    if (s instanceof KernelPlan.Step.Conv c) {
      return CodeBlock.of("$T.conv2d(this.parallel, $N, n, $L, $L, $L, $L, $L, $L)", KERNELS,
          geometry(c.geometry(), c.node()), at(c.in()), field(c.weight()), field(c.bias()),
          residual(c.residual()), c.relu(), at(c.out()));
    } else if (s instanceof KernelPlan.Step.Dense x) {
      return CodeBlock.of("$T.dense(this.parallel, n, $L, $L, $L, $L, $L, $L, $L, $L)", KERNELS,
          x.inFeatures(), x.outFeatures(), at(x.in()), field(x.weight()), field(x.bias()),
          residual(x.residual()), x.relu(), at(x.out()));
    } else if (s instanceof KernelPlan.Step.BatchNorm x) {
      return CodeBlock.of("$T.batchNorm(LAYOUT, n, $L, $L, $L, $L, $L, $L, $L, $Lf, false, $L)",
          KERNELS,
          x.channels(), x.spatial(), at(x.in()), field(x.gamma()), field(x.beta()),
          field(x.mean()), field(x.var()), Float.toString(x.eps()), at(x.out()));
    } else if (s instanceof KernelPlan.Step.Relu x) {
      return CodeBlock.of("$T.relu($L, n * $L, $L)", KERNELS, at(x.in()), x.perImage(),
          at(x.out()));
    } else if (s instanceof KernelPlan.Step.Add x) {
      return CodeBlock.of("$T.add($L, $L, n * $L, false, $L)", KERNELS, at(x.left()),
          at(x.right()), x.perImage(), at(x.out()));
    } else if (s instanceof KernelPlan.Step.Pool x) {
      return CodeBlock.of("$T.$L(this.parallel, LAYOUT, $N, n, $L, $L)", KERNELS,
          x.max() ? "maxPool2d" : "avgPool2d", geometry(x.geometry(), x.node()), at(x.in()),
          at(x.out()));
    } else if (s instanceof KernelPlan.Step.GlobalAvgPool x) {
      return CodeBlock.of("$T.globalAvgPool(this.parallel, LAYOUT, n, $L, $L, $L, $L)", KERNELS,
          x.channels(), x.spatial(), at(x.in()), at(x.out()));
    } else if (s instanceof KernelPlan.Step.Softmax x) {
      return CodeBlock.of("$T.softmax(this.parallel, n, $L, $L, $L)", KERNELS, x.features(),
          at(x.in()), at(x.out()));
    } else if (s instanceof KernelPlan.Step.Relayout x) {
      return CodeBlock.of("LAYOUT.$L(n, $L, $L, $L, $L)", x.blocking() ? "fromNchw" : "toNchw",
          x.channels(), x.spatial(), at(x.in()), at(x.out()));
    } else if (s instanceof KernelPlan.Step.Copy x) {
      return CodeBlock.of("$T.copy($L, n * $L, $L)", KERNELS, at(x.in()), x.perImage(),
          at(x.out()));
    }
    KernelPlan.Step.PadShortcut x = (KernelPlan.Step.PadShortcut) s;
    return CodeBlock.of("$T.padShortcut(LAYOUT, n, $L, $L, $L, $L, $L, $L, $L, $L)", KERNELS,
        x.inChannels(), x.inHeight(), x.inWidth(), x.stride(), x.outChannels(), x.padFront(),
        at(x.in()), at(x.out()));
  }

  /** One line per top-level layer or stage of the network, for the class Javadoc. */
  private record Row(String name, Shape output, long params) {}

  private static List<Row> topLevel(Compilation c) {
    Map<String, Row> rows = new LinkedHashMap<>();
    Map<String, Long> paramsOf = new HashMap<>();
    for (Param p : c.params()) {
      if (p.trainable()) {
        paramsOf.merge(group(p.name()), p.size(), Long::sum);
      }
    }
    for (Node n : c.graph().nodes()) {
      if (!(n instanceof Node.Input)) {
        String group = group(n.name());
        rows.put(group, new Row(group, c.shapes().of(n), paramsOf.getOrDefault(group, 0L)));
      }
    }
    return List.copyOf(rows.values());
  }

  /** The top-level layer or stage a dotted name belongs to. */
  private static String group(String name) {
    int dot = name.indexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }
}
