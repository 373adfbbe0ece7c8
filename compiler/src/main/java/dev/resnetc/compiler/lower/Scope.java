package dev.resnetc.compiler.lower;

import dev.resnetc.dsl.Diagnostics;
import dev.resnetc.dsl.ErrorCode;
import dev.resnetc.dsl.SourcePos;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The naming scope of a network or of one block instance: labels must be unique in it, and unlabelled
 * layers get {@code kind_N} names so every node has a stable, unique dotted name.
 */
final class Scope {
  private final String prefix;
  private final Map<String, SourcePos> labels = new HashMap<>();
  private final Map<String, Integer> counters = new HashMap<>();

  /** {@code name} is the dotted path of the scope, or empty for the network. */
  Scope(String name) {
    this.prefix = name.isEmpty() ? "" : name + ".";
  }

  /** The dotted path of this scope followed by a dot, or empty for the network. */
  String prefix() {
    return prefix;
  }

  Scope child(String fullName) {
    return new Scope(fullName);
  }

  /** Names a statement: its label if it has one (reporting duplicates), otherwise {@code kind_N}. */
  String name(Optional<String> label, String kind, SourcePos pos, Diagnostics diagnostics) {
    if (label.isPresent()) {
      SourcePos first = labels.putIfAbsent(label.get(), pos);
      if (first != null && !first.equals(pos)) {
        diagnostics.error(ErrorCode.DUPLICATE_LABEL, pos,
            "duplicate label '" + label.get() + "' (first used at " + first + ")",
            "labels name parameters, so each must be unique within its block");
      }
      return prefix + label.get();
    }
    String name;
    do {
      int n = counters.merge(kind, 1, Integer::sum);
      name = kind + "_" + n;
    } while (labels.containsKey(name));
    return prefix + name;
  }
}
