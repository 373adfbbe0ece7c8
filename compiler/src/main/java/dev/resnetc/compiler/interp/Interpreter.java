package dev.resnetc.compiler.interp;

import dev.resnetc.compiler.Compilation;
import dev.resnetc.compiler.ir.Epilogue;
import dev.resnetc.compiler.ir.Node;
import dev.resnetc.compiler.ir.Param;
import dev.resnetc.compiler.ir.Shape;
import dev.resnetc.compiler.ir.Shapes;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Runs a checked network on its IR with plain double loops, as the oracle for generated code. */
public final class Interpreter implements Node.Visitor<double[]> {
  private final Compilation c;
  private final Shapes shapes;
  private final Map<String, float[]> weights;
  private final int batch;
  private final double[] input;
  private final Map<Integer, double[]> values = new HashMap<>();

  private Interpreter(Compilation c, Map<String, float[]> weights, double[] input, int batch) {
    this.c = c;
    this.shapes = c.shapes();
    this.weights = weights;
    this.input = input;
    this.batch = batch;
  }

  /** Runs the network on an NCHW (or N,F) batch; returns the output batch, row-major. */
  public static float[] run(Compilation c, Map<String, float[]> weights, float[] input,
      int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be positive, got " + batch);
    }
    for (Param p : c.params()) {
      float[] w = weights.get(p.name());
      if (w == null) {
        throw new IllegalArgumentException("missing weight " + p.name());
      }
      if (w.length != p.size()) {
        throw new IllegalArgumentException("weight " + p.name() + " needs " + p.size()
            + " values, got " + w.length);
      }
    }
    long expected = (long) batch * c.graph().inputShape().size();
    if (input.length != expected) {
      throw new IllegalArgumentException("input needs " + expected + " values for batch " + batch
          + ", got " + input.length);
    }
    double[] x = new double[input.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = input[i];
    }
    Interpreter interp = new Interpreter(c, weights, x, batch);
    for (Node n : c.graph().nodes()) {
      interp.values.put(n.id(), n.accept(interp));
    }
    double[] y = interp.values.get(c.graph().output().id());
    float[] out = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = (float) y[i];
    }
    return out;
  }

  /** Seeded random weights for every parameter, in parameter order; deterministic for a seed. */
  public static Map<String, float[]> randomWeights(Compilation c, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Param p : c.params()) {
      double[] range = range(c, p);
      float[] w = new float[Math.toIntExact(p.size())];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) random.nextDouble(range[0], range[1]);
      }
      out.put(p.name(), w);
    }
    return out;
  }

  /** A seeded batch of inputs, uniform in [-1, 1]. */
  public static float[] randomInput(Compilation c, int batch, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[Math.toIntExact(batch * c.graph().inputShape().size())];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble(-1, 1);
    }
    return x;
  }

  /** PyTorch-like ranges: U(-b, b) with b = 1/sqrt(fan_in) for conv and dense; BN near identity. */
  private static double[] range(Compilation c, Param p) {
    String suffix = p.name().substring(p.name().lastIndexOf('.') + 1);
    boolean batchNorm = p.owner() instanceof Node.BatchNorm
        || !p.name().startsWith(p.owner().name() + "."); // folded into a conv or dense layer
    if (batchNorm) {
      return switch (suffix) {
        case "weight" -> new double[] {0.5, 1.5};
        case "running_var" -> new double[] {0.5, 2.0};
        default -> new double[] {-0.5, 0.5};
      };
    }
    double b = 1 / Math.sqrt(fanIn(c, p.owner()));
    return new double[] {-b, b};
  }

  private static long fanIn(Compilation c, Node owner) {
    Shape in = c.shapes().inputOf(owner);
    if (owner instanceof Node.Conv conv) {
      return (long) in.channels() / conv.groups() * conv.kernel() * conv.kernel();
    }
    return in.channels();
  }

  private double[] in(Node n) {
    return values.get(n.inputs().get(0));
  }

  private float[] w(Node n, String suffix) {
    return weights.get(n.name() + "." + suffix);
  }

  @Override
  public double[] visitInput(Node.Input n) {
    return input;
  }

  @Override
  public double[] visitConv(Node.Conv n) {
    Shape si = shapes.inputOf(n);
    Shape so = shapes.of(n);
    int ci = si.channels();
    int h = si.height();
    int wd = si.width();
    int co = so.channels();
    int oh = so.height();
    int ow = so.width();
    int k = n.kernel();
    int cig = ci / n.groups();
    int cog = co / n.groups();
    double[] x = in(n);
    float[] weight = w(n, "weight");
    float[] bias = n.bias() ? w(n, "bias") : null;
    double[] y = new double[batch * co * oh * ow];
    for (int b = 0; b < batch; b++) {
      for (int o = 0; o < co; o++) {
        int g = o / cog;
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double sum = bias == null ? 0 : bias[o];
            for (int i = 0; i < cig; i++) {
              int ch = g * cig + i;
              for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                  int iy = oy * n.stride() - n.padding() + ky * n.dilation();
                  int ix = ox * n.stride() - n.padding() + kx * n.dilation();
                  if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                    sum += x[((b * ci + ch) * h + iy) * wd + ix]
                        * weight[((o * cig + i) * k + ky) * k + kx];
                  }
                }
              }
            }
            y[((b * co + o) * oh + oy) * ow + ox] = sum;
          }
        }
      }
    }
    return epilogue(n.epilogue(), y, co, oh * ow);
  }

  /** Applies what the optimizer fused into a layer, in the order the unfused layers ran. */
  private double[] epilogue(Epilogue e, double[] y, int channels, int plane) {
    if (e.batchNorm().isPresent()) {
      y = batchNorm(e.batchNorm().get(), e.eps(), y, channels, plane);
    }
    if (e.hasResidual()) {
      double[] r = values.get(e.residual());
      for (int i = 0; i < y.length; i++) {
        y[i] += r[i];
      }
    }
    if (e.relu()) {
      for (int i = 0; i < y.length; i++) {
        y[i] = Math.max(y[i], 0);
      }
    }
    return y;
  }

  @Override
  public double[] visitBatchNorm(Node.BatchNorm n) {
    Shape s = shapes.of(n);
    int ch = s.channels();
    return batchNorm(n.name(), n.eps(), in(n), ch, Math.toIntExact(s.size() / ch));
  }

  private double[] batchNorm(String name, double eps, double[] x, int ch, int plane) {
    float[] gamma = weights.get(name + ".weight");
    float[] beta = weights.get(name + ".bias");
    float[] mean = weights.get(name + ".running_mean");
    float[] var = weights.get(name + ".running_var");
    double[] y = new double[x.length];
    for (int b = 0; b < batch; b++) {
      for (int k = 0; k < ch; k++) {
        for (int i = 0; i < plane; i++) {
          int at = (b * ch + k) * plane + i;
          y[at] = (x[at] - mean[k]) / Math.sqrt(var[k] + eps) * gamma[k] + beta[k];
        }
      }
    }
    return y;
  }

  @Override
  public double[] visitRelu(Node.Relu n) {
    double[] x = in(n);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Math.max(x[i], 0);
    }
    return y;
  }

  /** Max or mean over each window; max ignores padding, mean divides by kernel*kernel. */
  private double[] pool(Node n, boolean max, int k, int stride, int padding) {
    Shape si = shapes.inputOf(n);
    Shape so = shapes.of(n);
    int ch = si.channels();
    int h = si.height();
    int wd = si.width();
    int oh = so.height();
    int ow = so.width();
    double[] x = in(n);
    double[] y = new double[batch * ch * oh * ow];
    for (int p = 0; p < batch * ch; p++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double acc = max ? Double.NEGATIVE_INFINITY : 0;
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = oy * stride - padding + ky;
              int ix = ox * stride - padding + kx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < wd) {
                double v = x[(p * h + iy) * wd + ix];
                acc = max ? Math.max(acc, v) : acc + v;
              }
            }
          }
          y[(p * oh + oy) * ow + ox] = max ? acc : acc / (k * k);
        }
      }
    }
    return y;
  }

  @Override
  public double[] visitMaxPool(Node.MaxPool n) {
    return pool(n, true, n.kernel(), n.stride(), n.padding());
  }

  @Override
  public double[] visitAvgPool(Node.AvgPool n) {
    return pool(n, false, n.kernel(), n.stride(), n.padding());
  }

  @Override
  public double[] visitGlobalAvgPool(Node.GlobalAvgPool n) {
    Shape si = shapes.inputOf(n);
    int plane = si.height() * si.width();
    double[] x = in(n);
    double[] y = new double[batch * si.channels()];
    for (int p = 0; p < y.length; p++) {
      double sum = 0;
      for (int i = 0; i < plane; i++) {
        sum += x[p * plane + i];
      }
      y[p] = sum / plane;
    }
    return y;
  }

  @Override
  public double[] visitFlatten(Node.Flatten n) {
    return in(n);
  }

  @Override
  public double[] visitDense(Node.Dense n) {
    int fin = shapes.inputOf(n).channels();
    int units = n.units();
    double[] x = in(n);
    float[] weight = w(n, "weight");
    float[] bias = n.bias() ? w(n, "bias") : null;
    double[] y = new double[batch * units];
    for (int b = 0; b < batch; b++) {
      for (int u = 0; u < units; u++) {
        double sum = bias == null ? 0 : bias[u];
        for (int i = 0; i < fin; i++) {
          sum += x[b * fin + i] * weight[u * fin + i];
        }
        y[b * units + u] = sum;
      }
    }
    return epilogue(n.epilogue(), y, units, 1);
  }

  @Override
  public double[] visitSoftmax(Node.Softmax n) {
    int f = shapes.of(n).channels();
    double[] x = in(n);
    double[] y = new double[x.length];
    for (int b = 0; b < batch; b++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < f; i++) {
        max = Math.max(max, x[b * f + i]);
      }
      double sum = 0;
      for (int i = 0; i < f; i++) {
        y[b * f + i] = Math.exp(x[b * f + i] - max);
        sum += y[b * f + i];
      }
      for (int i = 0; i < f; i++) {
        y[b * f + i] /= sum;
      }
    }
    return y;
  }

  @Override
  public double[] visitDropout(Node.Dropout n) {
    return in(n);
  }

  @Override
  public double[] visitIdentity(Node.Identity n) {
    return in(n);
  }

  @Override
  public double[] visitResidual(Node.Residual n) {
    throw new IllegalStateException("InsertProjections must run before interpreting: " + n.name());
  }

  @Override
  public double[] visitAdd(Node.Add n) {
    double[] l = values.get(n.left());
    double[] r = values.get(n.right());
    double[] y = new double[l.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = l[i] + r[i];
    }
    return y;
  }

  @Override
  public double[] visitPadShortcut(Node.PadShortcut n) {
    Shape si = shapes.inputOf(n);
    Shape so = shapes.of(n);
    int ci = si.channels();
    int h = si.height();
    int wd = si.width();
    int co = so.channels();
    int oh = so.height();
    int ow = so.width();
    double[] x = in(n);
    double[] y = new double[batch * co * oh * ow];
    for (int b = 0; b < batch; b++) {
      for (int k = 0; k < ci; k++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            y[((b * co + k + n.padFront()) * oh + oy) * ow + ox] =
                x[((b * ci + k) * h + oy * n.stride()) * wd + ox * n.stride()];
          }
        }
      }
    }
    return y;
  }
}
