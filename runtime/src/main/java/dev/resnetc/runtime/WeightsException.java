package dev.resnetc.runtime;

import java.util.List;

/** Thrown when a set of weights does not match what a network expects, listing every problem found. */
public final class WeightsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String[] problems;

  /** Creates an exception for the given non-empty list of problems, one line each. */
  public WeightsException(List<String> problems) {
    super(message(problems));
    this.problems = problems.toArray(new String[0]);
  }

  /** The problems, in the order they were reported. */
  public List<String> problems() {
    return List.of(problems);
  }

  private static String message(List<String> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a WeightsException needs at least one problem");
    }
    String headline = problems.size() == 1
        ? "1 problem with the weights:"
        : problems.size() + " problems with the weights:";
    return headline + "\n" + String.join("\n", problems);
  }
}
