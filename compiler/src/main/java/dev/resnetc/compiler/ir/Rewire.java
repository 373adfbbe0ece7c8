package dev.resnetc.compiler.ir;

import java.util.function.IntUnaryOperator;

/** Rebuilds a node with each input id {@code i} replaced by {@code map(i)}; the rest is kept. */
public final class Rewire implements Node.Visitor<Node> {
  private final IntUnaryOperator map;

  private Rewire(IntUnaryOperator map) {
    this.map = map;
  }

  public static Node inputs(Node n, IntUnaryOperator map) {
    return n.accept(new Rewire(map));
  }

  private int m(int id) {
    return map.applyAsInt(id);
  }

  private Epilogue m(Epilogue e) {
    return e.hasResidual() ? e.withResidual(m(e.residual())) : e;
  }

  @Override
  public Node visitInput(Node.Input n) {
    return n;
  }

  @Override
  public Node visitConv(Node.Conv n) {
    return new Node.Conv(n.id(), n.name(), n.origin(), m(n.input()), n.outChannels(), n.kernel(),
        n.stride(), n.padding(), n.dilation(), n.groups(), n.bias(), m(n.epilogue()));
  }

  @Override
  public Node visitBatchNorm(Node.BatchNorm n) {
    return new Node.BatchNorm(n.id(), n.name(), n.origin(), m(n.input()), n.eps());
  }

  @Override
  public Node visitRelu(Node.Relu n) {
    return new Node.Relu(n.id(), n.name(), n.origin(), m(n.input()));
  }

  @Override
  public Node visitMaxPool(Node.MaxPool n) {
    return new Node.MaxPool(n.id(), n.name(), n.origin(), m(n.input()), n.kernel(), n.stride(),
        n.padding());
  }

  @Override
  public Node visitAvgPool(Node.AvgPool n) {
    return new Node.AvgPool(n.id(), n.name(), n.origin(), m(n.input()), n.kernel(), n.stride(),
        n.padding());
  }

  @Override
  public Node visitGlobalAvgPool(Node.GlobalAvgPool n) {
    return new Node.GlobalAvgPool(n.id(), n.name(), n.origin(), m(n.input()));
  }

  @Override
  public Node visitFlatten(Node.Flatten n) {
    return new Node.Flatten(n.id(), n.name(), n.origin(), m(n.input()));
  }

  @Override
  public Node visitDense(Node.Dense n) {
    return new Node.Dense(n.id(), n.name(), n.origin(), m(n.input()), n.units(), n.bias(),
        m(n.epilogue()));
  }

  @Override
  public Node visitSoftmax(Node.Softmax n) {
    return new Node.Softmax(n.id(), n.name(), n.origin(), m(n.input()));
  }

  @Override
  public Node visitDropout(Node.Dropout n) {
    return new Node.Dropout(n.id(), n.name(), n.origin(), m(n.input()), n.p());
  }

  @Override
  public Node visitIdentity(Node.Identity n) {
    return new Node.Identity(n.id(), n.name(), n.origin(), m(n.input()));
  }

  @Override
  public Node visitResidual(Node.Residual n) {
    return new Node.Residual(n.id(), n.name(), n.origin(), m(n.main()), m(n.shortcut()),
        n.mode(), n.projectionName());
  }

  @Override
  public Node visitAdd(Node.Add n) {
    return new Node.Add(n.id(), n.name(), n.origin(), m(n.left()), m(n.right()));
  }

  @Override
  public Node visitPadShortcut(Node.PadShortcut n) {
    return new Node.PadShortcut(n.id(), n.name(), n.origin(), m(n.input()), n.stride(),
        n.outChannels(), n.padFront());
  }
}
