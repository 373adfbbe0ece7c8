package dev.resnetc.example;

import dev.resnetc.runtime.Npy;
import dev.resnetc.runtime.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Reads a network input: a float32 {@code .npy} batch, or an image with ImageNet preprocessing. */
public final class Inputs {
  private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  private Inputs() {}

  /**
   * Reads {@code file} as a batch of samples of shape {@code [c, h, w]}: a {@code .npy} of shape
   * {@code [N, c, h, w]} or {@code [c, h, w]}, or else an image file.
   */
  public static float[] read(Path file, int[] sample) throws IOException {
    if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
      Tensor t = Npy.read(file);
      int[] shape = t.shape();
      int[] tail = Arrays.copyOfRange(shape, Math.max(0, shape.length - sample.length), shape.length);
      if (!Arrays.equals(tail, sample) || shape.length > sample.length + 1) {
        throw new IOException(file + " has shape " + t.shapeString() + "; expected [N, "
            + Arrays.toString(sample).substring(1));
      }
      return t.data();
    }
    BufferedImage image = ImageIO.read(file.toFile());
    if (image == null) {
      throw new IOException(file + " is neither a .npy file nor an image ImageIO can read");
    }
    return imageNet(image, sample[1], sample[2]);
  }

  /**
   * torchvision's ImageNet evaluation transform at {@code h x w}: scale the shorter side to
   * 256/224 of the crop, take the centre {@code h x w}, scale to [0, 1] and normalise each channel
   * with ImageNet's mean and standard deviation. Returns one CHW sample.
   */
  public static float[] imageNet(BufferedImage image, int h, int w) {
    double shorter = Math.round(Math.min(h, w) * 256.0 / 224.0);
    double scale = shorter / Math.min(image.getWidth(), image.getHeight());
    double scaledW = image.getWidth() * scale;
    double scaledH = image.getHeight() * scale;
    // The crop's corners, mapped back into the source image.
    int x0 = (int) Math.round((scaledW - w) / 2 / scale);
    int y0 = (int) Math.round((scaledH - h) / 2 / scale);
    int x1 = (int) Math.round((scaledW + w) / 2 / scale);
    int y1 = (int) Math.round((scaledH + h) / 2 / scale);
    BufferedImage crop = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = crop.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(image, 0, 0, w, h, x0, y0, x1, y1, null);
    } finally {
      g.dispose();
    }
    int[] rgb = crop.getRGB(0, 0, w, h, null, 0, w);
    float[] chw = new float[3 * h * w];
    for (int c = 0; c < 3; c++) {
      int shift = 16 - 8 * c;
      for (int i = 0; i < rgb.length; i++) {
        float value = ((rgb[i] >>> shift) & 0xff) / 255f;
        chw[c * rgb.length + i] = (value - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
      }
    }
    return chw;
  }
}
