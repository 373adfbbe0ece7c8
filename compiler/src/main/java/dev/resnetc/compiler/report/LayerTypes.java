package dev.resnetc.compiler.report;

import dev.resnetc.compiler.ir.Node;

/** Short descriptions of IR nodes in the DSL's own words, such as {@code conv 3x3/2}. */
final class LayerTypes implements Node.Visitor<String> {
  private static final LayerTypes INSTANCE = new LayerTypes();

  private LayerTypes() {}

  static String of(Node node) {
    return node.accept(INSTANCE);
  }

  private static String window(String kind, int kernel, int stride) {
    return kind + " " + kernel + "x" + kernel + (stride == 1 ? "" : "/" + stride);
  }

  @Override
  public String visitInput(Node.Input n) {
    return "input";
  }

  @Override
  public String visitConv(Node.Conv n) {
    String s = window("conv", n.kernel(), n.stride());
    if (n.groups() > 1) {
      s += " g" + n.groups();
    }
    return n.dilation() > 1 ? s + " d" + n.dilation() : s;
  }

  @Override
  public String visitBatchNorm(Node.BatchNorm n) {
    return "batchnorm";
  }

  @Override
  public String visitRelu(Node.Relu n) {
    return "relu";
  }

  @Override
  public String visitMaxPool(Node.MaxPool n) {
    return window("maxpool", n.kernel(), n.stride());
  }

  @Override
  public String visitAvgPool(Node.AvgPool n) {
    return window("avgpool", n.kernel(), n.stride());
  }

  @Override
  public String visitGlobalAvgPool(Node.GlobalAvgPool n) {
    return "global_avgpool";
  }

  @Override
  public String visitFlatten(Node.Flatten n) {
    return "flatten";
  }

  @Override
  public String visitDense(Node.Dense n) {
    return "dense";
  }

  @Override
  public String visitSoftmax(Node.Softmax n) {
    return "softmax";
  }

  @Override
  public String visitDropout(Node.Dropout n) {
    return "dropout";
  }

  @Override
  public String visitIdentity(Node.Identity n) {
    return "identity";
  }

  @Override
  public String visitResidual(Node.Residual n) {
    return "residual";
  }

  @Override
  public String visitAdd(Node.Add n) {
    return "add";
  }

  @Override
  public String visitPadShortcut(Node.PadShortcut n) {
    return "pad_shortcut";
  }
}
