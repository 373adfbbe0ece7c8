package dev.resnetc.compiler.ir;

/** How a residual's shortcut reaches the add (He et al. 2015, §3.3 options A and B). */
public enum ShortcutMode {
  /** Identity when the shapes match, the projection W_s otherwise. */
  AUTO,
  /** Always the identity; a shape mismatch is an error. */
  IDENTITY,
  /** Always the projection W_s. */
  PROJECTION,
  /** Option A: subsample by the stride and pad channels with zeros; no parameters. */
  PAD
}
