package dev.resnetc.cli;

import dev.resnetc.runtime.Tensor;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Turns image files into an NCHW batch as torchvision's ImageNet evaluation transform does: resize
 * the shorter side to 256/224 of the input size, crop the centre, scale to [0, 1], and normalise
 * with ImageNet's channel means and standard deviations.
 */
final class ImageNetInput {
  private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
  private static final float[] STD = {0.229f, 0.224f, 0.225f};

  private ImageNetInput() {}

  static Tensor read(List<Path> images, int[] inputShape) {
    if (inputShape.length != 3 || inputShape[0] != 3) {
      throw new CliException("--preprocess imagenet needs a network with input [3, H, W], not "
          + Arrays.toString(inputShape));
    }
    int h = inputShape[1];
    int w = inputShape[2];
    float[] data = new float[images.size() * 3 * h * w];
    for (int n = 0; n < images.size(); n++) {
      BufferedImage crop = centreCrop(resize(load(images.get(n)), h, w), h, w);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int rgb = crop.getRGB(x, y);
          for (int c = 0; c < 3; c++) {
            float v = ((rgb >> (16 - 8 * c)) & 0xff) / 255f;
            data[((n * 3 + c) * h + y) * w + x] = (v - MEAN[c]) / STD[c];
          }
        }
      }
    }
    return new Tensor(new int[] {images.size(), 3, h, w}, data);
  }

  private static BufferedImage load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new CliException("cannot read input '" + file + "': no such file");
    }
    try {
      BufferedImage image = ImageIO.read(file.toFile());
      if (image == null) {
        throw new CliException("cannot read input '" + file + "': not a PNG, JPEG, GIF or BMP"
            + " image (a .npy input needs no --preprocess)");
      }
      return image;
    } catch (IOException e) {
      throw new CliException("cannot read input '" + file + "': " + Frontend.describe(e));
    }
  }

  /** Scales so the shorter side is 256/224 of the crop's, like torchvision's Resize(256). */
  private static BufferedImage resize(BufferedImage image, int h, int w) {
    double target = Math.round(Math.min(h, w) * 256.0 / 224.0);
    double scale = target / Math.min(image.getWidth(), image.getHeight());
    int newW = Math.max(w, (int) Math.round(image.getWidth() * scale));
    int newH = Math.max(h, (int) Math.round(image.getHeight() * scale));
    BufferedImage out = new BufferedImage(newW, newH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(image.getScaledInstance(newW, newH, Image.SCALE_AREA_AVERAGING), 0, 0,
          null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static BufferedImage centreCrop(BufferedImage image, int h, int w) {
    int x = (image.getWidth() - w) / 2;
    int y = (image.getHeight() - h) / 2;
    return image.getSubimage(x, y, w, h);
  }
}
