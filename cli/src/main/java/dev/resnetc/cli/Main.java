package dev.resnetc.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code resnetc} command line: {@code compile}, {@code check}, {@code summary}, {@code run},
 * {@code bench}.
 */
@Command(name = "resnetc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Compile .resnet residual network descriptions to dependency-free Java.",
    subcommands = {CompileCommand.class, CheckCommand.class, SummaryCommand.class,
        RunCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
    footer = {"%nExit status:",
        "  0  success",
        "  1  the .resnet file has errors (they are printed)",
        "  2  usage error, or a file that cannot be read or written",
        "  3  internal error (a bug in resnetc)",
        "%nSet " + Main.STACKTRACE_ENV + "=1 or pass --stacktrace to see internal errors' traces."})
public final class Main implements Callable<Integer> {
  static final int EXIT_OK = 0;
  static final int EXIT_SOURCE_ERRORS = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_INTERNAL = 3;
  static final String STACKTRACE_ENV = "RESNETC_STACKTRACE";

  @Spec
  CommandSpec spec;

  @Option(names = "--stacktrace", scope = ScopeType.INHERIT,
      description = "Print the stack trace of an internal error.")
  boolean stacktrace;

  /** Reads the version Maven wrote into {@code version.properties}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"resnetc " + p.getProperty("version", "unknown")};
    }
  }

  /** Without a subcommand there is nothing to do: show how to use resnetc. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return EXIT_USAGE;
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    int status = run(out, err, args);
    out.flush();
    err.flush();
    System.exit(status);
  }

  /** Runs resnetc with {@code args}, writing to {@code out} and {@code err}; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(out, err, System.getenv(), args);
  }

  static int run(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
    Main main = new Main();
    boolean traceFromEnv = isSet(env.get(STACKTRACE_ENV));
    try {
      CommandLine cmd = new CommandLine(main);
      cmd.setOut(out);
      cmd.setErr(err);
      cmd.setParameterExceptionHandler(Main::usageError);
      cmd.setExecutionExceptionHandler((e, commandLine, parseResult) ->
          failure(e, err, traceFromEnv || main.stacktrace));
      return cmd.execute(args);
    } catch (RuntimeException | Error e) {
      return failure(e, err, traceFromEnv || main.stacktrace);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static boolean isSet(String value) {
    return value != null && !value.isEmpty() && !value.equals("0")
        && !value.equalsIgnoreCase("false");
  }

  private static int usageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("resnetc: error: " + e.getMessage());
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return EXIT_USAGE;
  }

  /** Maps an exception to an exit code: a {@link CliException} is the user's, anything else ours. */
  static int failure(Throwable e, PrintWriter err, boolean stacktrace) {
    if (e instanceof CliException) {
      err.println("resnetc: error: " + e.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    err.println("resnetc: internal error: " + e);
    if (stacktrace) {
      e.printStackTrace(err);
    } else {
      err.println("This is a bug in resnetc. Please report it with the input file and the output"
          + " of the same command run with --stacktrace (or " + STACKTRACE_ENV + "=1).");
    }
    err.flush();
    return EXIT_INTERNAL;
  }
}
