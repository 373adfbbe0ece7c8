package dev.resnetc.runtime;

import java.io.IOException;

/** Thrown when a weight or array file (safetensors, npz, npy) is malformed, truncated or unsupported. */
public final class WeightFileException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception whose message should start with the file's display name. */
  public WeightFileException(String message) {
    super(message);
  }

  /** Creates an exception with a cause, for example a low-level zip error. */
  public WeightFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
