package dev.resnetc.compiler.ir;

import java.util.List;

/**
 * One operation of the IR. Nodes are immutable and refer to their inputs by id; a {@link Graph}
 * holds them in an order where every input comes before its users. {@code name} is the dotted
 * instance path ({@code layer2.0.conv1}) that prefixes the node's parameter names.
 */
public sealed interface Node {
  int id();

  String name();

  Origin origin();

  /** Ids of the values this node reads, in argument order. */
  List<Integer> inputs();

  <R> R accept(Visitor<R> visitor);

  /** One method per node kind, so a pass that forgets a new kind does not compile. */
  interface Visitor<R> {
    R visitInput(Input n);

    R visitConv(Conv n);

    R visitBatchNorm(BatchNorm n);

    R visitRelu(Relu n);

    R visitMaxPool(MaxPool n);

    R visitAvgPool(AvgPool n);

    R visitGlobalAvgPool(GlobalAvgPool n);

    R visitFlatten(Flatten n);

    R visitDense(Dense n);

    R visitSoftmax(Softmax n);

    R visitDropout(Dropout n);

    R visitIdentity(Identity n);

    R visitResidual(Residual n);

    R visitAdd(Add n);

    R visitPadShortcut(PadShortcut n);
  }

  /** The network input, batch first. */
  record Input(int id, String name, Origin origin) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of();
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitInput(this);
    }
  }

  /**
   * 2-D convolution with square kernel; weight {@code [outChannels, inChannels/groups, k, k]}.
   * Its {@link Epilogue} holds the layers fused into it by the optimizer.
   */
  record Conv(int id, String name, Origin origin, int input, int outChannels, int kernel,
      int stride, int padding, int dilation, int groups, boolean bias, Epilogue epilogue)
      implements Node {
    public Conv {
      if (outChannels < 1 || kernel < 1 || stride < 1 || padding < 0 || dilation < 1
          || groups < 1) {
        throw new IllegalArgumentException("invalid conv " + name);
      }
    }

    /** A plain convolution, as written in the source. */
    public Conv(int id, String name, Origin origin, int input, int outChannels, int kernel,
        int stride, int padding, int dilation, int groups, boolean bias) {
      this(id, name, origin, input, outChannels, kernel, stride, padding, dilation, groups, bias,
          Epilogue.NONE);
    }

    public Conv withEpilogue(Epilogue e) {
      return new Conv(id, name, origin, input, outChannels, kernel, stride, padding, dilation,
          groups, bias, e);
    }

    @Override
    public List<Integer> inputs() {
      return epilogue.inputs(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitConv(this);
    }
  }

  /** Inference-mode batch normalisation with running statistics. */
  record BatchNorm(int id, String name, Origin origin, int input, double eps) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitBatchNorm(this);
    }
  }

  /** {@code max(x, 0)}. */
  record Relu(int id, String name, Origin origin, int input) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitRelu(this);
    }
  }

  /** Max pooling with implicit negative-infinity padding. */
  record MaxPool(int id, String name, Origin origin, int input, int kernel, int stride,
      int padding) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitMaxPool(this);
    }
  }

  /** Average pooling; padded zeros count in the divisor, as in PyTorch's default. */
  record AvgPool(int id, String name, Origin origin, int input, int kernel, int stride,
      int padding) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitAvgPool(this);
    }
  }

  /** Mean over H and W: {@code [C, H, W] -> [C, 1, 1]}. */
  record GlobalAvgPool(int id, String name, Origin origin, int input) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitGlobalAvgPool(this);
    }
  }

  /** {@code [C, H, W] -> [C*H*W]}; a no-op on the data. */
  record Flatten(int id, String name, Origin origin, int input) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitFlatten(this);
    }
  }

  /** Fully connected layer; weight {@code [units, in]}. */
  record Dense(int id, String name, Origin origin, int input, int units, boolean bias,
      Epilogue epilogue) implements Node {
    /** A plain dense layer, as written in the source. */
    public Dense(int id, String name, Origin origin, int input, int units, boolean bias) {
      this(id, name, origin, input, units, bias, Epilogue.NONE);
    }

    public Dense withEpilogue(Epilogue e) {
      return new Dense(id, name, origin, input, units, bias, e);
    }

    @Override
    public List<Integer> inputs() {
      return epilogue.inputs(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitDense(this);
    }
  }

  /** Softmax over the features of a vector. */
  record Softmax(int id, String name, Origin origin, int input) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitSoftmax(this);
    }
  }

  /** Dropout: the identity at inference, kept so summaries match the source. */
  record Dropout(int id, String name, Origin origin, int input, double p) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitDropout(this);
    }
  }

  /** An explicit identity layer. */
  record Identity(int id, String name, Origin origin, int input) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitIdentity(this);
    }
  }

  /**
   * {@code F(x) + shortcut(x)} before the shortcut is decided: {@code main} is F's output and
   * {@code shortcut} the block input x. InsertProjections replaces every Residual by an {@link Add}.
   */
  record Residual(int id, String name, Origin origin, int main, int shortcut, ShortcutMode mode,
      String projectionName) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(main, shortcut);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitResidual(this);
    }
  }

  /** Element-wise sum of two values of equal shape. */
  record Add(int id, String name, Origin origin, int left, int right) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(left, right);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitAdd(this);
    }
  }

  /**
   * He et al.'s option A shortcut: keep every {@code stride}-th pixel and put the channels at
   * {@code padFront} among {@code outChannels}, the rest zero.
   */
  record PadShortcut(int id, String name, Origin origin, int input, int stride, int outChannels,
      int padFront) implements Node {
    @Override
    public List<Integer> inputs() {
      return List.of(input);
    }

    @Override
    public <R> R accept(Visitor<R> v) {
      return v.visitPadShortcut(this);
    }
  }
}
