package dev.resnetc.compiler.ir;

import java.util.List;
import java.util.Optional;

/**
 * What a convolution or dense layer does to its result before writing it, once the optimizer has
 * fused the layers that followed it: {@code relu?(batchnorm?(layer(x)) + residual?)}. The
 * BatchNorm keeps its name, so its tensors are still loaded by their {@code state_dict} names.
 *
 * @param batchNorm the name of a folded BatchNorm, if any
 * @param eps that BatchNorm's epsilon
 * @param residual the id of the value added to the result, or -1
 * @param relu whether a ReLU follows
 */
public record Epilogue(Optional<String> batchNorm, double eps, int residual, boolean relu) {
  public static final Epilogue NONE = new Epilogue(Optional.empty(), 0, -1, false);

  public Epilogue withBatchNorm(String name, double epsilon) {
    return new Epilogue(Optional.of(name), epsilon, residual, relu);
  }

  public Epilogue withResidual(int id) {
    return new Epilogue(batchNorm, eps, id, relu);
  }

  public Epilogue withRelu() {
    return new Epilogue(batchNorm, eps, residual, true);
  }

  /** The epilogue of a convolution or dense layer; empty for every other node. */
  public static Optional<Epilogue> of(Node n) {
    if (n instanceof Node.Conv c) {
      return Optional.of(c.epilogue());
    }
    if (n instanceof Node.Dense d) {
      return Optional.of(d.epilogue());
    }
    return Optional.empty();
  }

  /** The convolution or dense layer {@code n} with epilogue {@code e}. */
  public static Node with(Node n, Epilogue e) {
    if (n instanceof Node.Conv c) {
      return c.withEpilogue(e);
    }
    return ((Node.Dense) n).withEpilogue(e);
  }

  public boolean hasResidual() {
    return residual >= 0;
  }

  /** The layer's inputs: its own input, then the residual if there is one. */
  List<Integer> inputs(int input) {
    return hasResidual() ? List.of(input, residual) : List.of(input);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    batchNorm.ifPresent(bn -> s.append(" +batchnorm ").append(bn));
    if (hasResidual()) {
      s.append(" +residual %").append(residual);
    }
    if (relu) {
      s.append(" +relu");
    }
    return s.toString();
  }
}
