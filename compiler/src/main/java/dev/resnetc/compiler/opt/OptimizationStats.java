package dev.resnetc.compiler.opt;

/** What the passes did, for {@code resnetc compile --report}. */
public final class OptimizationStats {
  int removedNoOps;
  int foldedBatchNorms;
  int fusedResidualAdds;
  int fusedRelus;

  public int removedNoOps() {
    return removedNoOps;
  }

  public int foldedBatchNorms() {
    return foldedBatchNorms;
  }

  public int fusedResidualAdds() {
    return fusedResidualAdds;
  }

  public int fusedRelus() {
    return fusedRelus;
  }
}
