package dev.resnetc.maven;

import dev.resnetc.dsl.Severity;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.lang.model.SourceVersion;
import org.apache.maven.artifact.Artifact;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugin.logging.Log;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.codehaus.plexus.build.BuildContext;
import org.codehaus.plexus.util.Scanner;

/**
 * What the {@code generate} and {@code generate-test} goals share: finding the sources, running
 * the {@link NetworkGenerator}, logging its messages, marking them in the IDE and failing the build
 * on errors.
 */
abstract class AbstractGenerateMojo extends AbstractMojo {
  static final String RUNTIME_GROUP = "dev.resnetc";
  static final String RUNTIME_ARTIFACT = "resnetc-runtime";

  /**
   * The Java package of every generated class. By default each class goes into the package named
   * by its source's folder under the source directory.
   */
  @Parameter(property = "resnetc.packageName")
  String packageName;

  /**
   * The optimization level, as {@code resnetc compile -O}: 0 generates the network as written, 1
   * (the default) folds batchnorms, fuses residual epilogues and plans one activation arena.
   */
  @Parameter(property = "resnetc.optimize", defaultValue = "1")
  int optimize;

  /** Which files under the source directory to compile (Ant patterns); all {@code .resnet} files. */
  @Parameter
  List<String> includes = new ArrayList<>(List.of("**/*.resnet"));

  /** Files under the source directory to leave out (Ant patterns). */
  @Parameter
  List<String> excludes = new ArrayList<>();

  /** Skips generation; the output directory is still a source root. */
  @Parameter(property = "resnetc.skip", defaultValue = "false")
  boolean skip;

  /**
   * Whether to fail when the project does not depend on {@code dev.resnetc:resnetc-runtime}, which
   * every generated class needs. Turn off only if the runtime reaches the class path another way.
   */
  @Parameter(property = "resnetc.checkRuntime", defaultValue = "true")
  boolean checkRuntime;

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  MavenProject project;

  @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
  PluginDescriptor plugin;

  @Parameter(defaultValue = "${mojoExecution}", readonly = true, required = true)
  MojoExecution execution;

  @Parameter(defaultValue = "${session}", readonly = true, required = true)
  MavenSession session;

  final BuildContext buildContext;

  AbstractGenerateMojo(BuildContext buildContext) {
    this.buildContext = buildContext;
  }

  abstract File sourceDirectory();

  abstract File outputDirectory();

  /** Adds the output directory to the project's compile or test-compile source roots. */
  abstract void addSourceRoot(String directory);

  /** Whether {@code scope} puts a dependency on this goal's class path. */
  abstract boolean inScope(String scope);

  @Override
  public void execute() throws MojoExecutionException, MojoFailureException {
    Path output = outputDirectory().toPath();
    addSourceRoot(output.toString());
    if (skip) {
      getLog().info("resnetc: skipped (resnetc.skip)");
      return;
    }
    Path sources = sourceDirectory().toPath();
    if (!Files.isDirectory(sources)) {
      getLog().debug("resnetc: no source directory " + sources);
      return;
    }
    if (packageName != null && !packageName.isEmpty() && !SourceVersion.isName(packageName)) {
      throw new MojoExecutionException("resnetc: <packageName> '" + packageName
          + "' is not a Java package name");
    }
    if (optimize < 0 || optimize > 1) {
      throw new MojoExecutionException("resnetc: <optimize> must be 0 or 1, not " + optimize);
    }
    if (buildContext.isIncremental() && !buildContext.hasDelta(sources.toFile())
        && Files.isDirectory(output)) {
      // The IDE's incremental build with no change in the sources: nothing to look at.
      return;
    }
    List<String> files = scan(sources);
    if (files.isEmpty()) {
      getLog().info("resnetc: no .resnet files in " + sources);
    } else {
      checkRuntimeDependency();
    }
    NetworkGenerator.Outcome outcome;
    try {
      outcome = new NetworkGenerator(new NetworkGenerator.Settings(sources, output, stateFile(),
          project.getBasedir().toPath(), packageName == null || packageName.isEmpty()
              ? null : packageName, optimize, toolFingerprint())).run(files);
    } catch (IOException e) {
      throw new MojoExecutionException("resnetc: " + e.getMessage(), e);
    }
    report(outcome);
    if (outcome.hasErrors()) {
      long errors = outcome.messages().stream()
          .filter(m -> m.severity() == Severity.ERROR).count();
      throw new MojoFailureException("resnetc: " + errors + (errors == 1 ? " error" : " errors")
          + " in .resnet sources (see above)");
    }
  }

  private List<String> scan(Path sources) {
    Scanner scanner = buildContext.newScanner(sources.toFile(), true);
    scanner.setIncludes(includes.toArray(String[]::new));
    scanner.setExcludes(excludes.toArray(String[]::new));
    scanner.addDefaultExcludes();
    scanner.scan();
    return Arrays.stream(scanner.getIncludedFiles())
        .map(f -> f.replace(File.separatorChar, '/'))
        .sorted()
        .collect(Collectors.toList());
  }

  /** One state file per execution, so two executions with different settings keep apart. */
  private Path stateFile() {
    return Path.of(project.getBuild().getDirectory(), "resnetc",
        execution.getGoal() + "-" + execution.getExecutionId() + ".state");
  }

  /**
   * The plugin's version; for a snapshot also the bytes of its own and the compiler's jars, so that
   * a rebuilt snapshot of the compiler regenerates.
   */
  private String toolFingerprint() throws MojoExecutionException {
    StringBuilder tool = new StringBuilder(plugin.getVersion());
    if (!plugin.getVersion().endsWith("-SNAPSHOT")) {
      return tool.toString();
    }
    List<Artifact> artifacts = new ArrayList<>(plugin.getArtifacts());
    artifacts.sort((a, b) -> a.getId().compareTo(b.getId()));
    for (Artifact a : artifacts) {
      File file = a.getFile();
      if (RUNTIME_GROUP.equals(a.getGroupId()) && file != null && file.isFile()) {
        try {
          tool.append(' ').append(BuildState.sha256(Files.readAllBytes(file.toPath())));
        } catch (IOException e) {
          throw new MojoExecutionException("resnetc: cannot read " + file, e);
        }
      }
    }
    return tool.toString();
  }

  /** Says plainly, before javac says it obscurely, that generated classes need the runtime. */
  private void checkRuntimeDependency() throws MojoFailureException {
    if (!checkRuntime) {
      return;
    }
    Optional<Artifact> runtime = project.getArtifacts().stream()
        .filter(a -> RUNTIME_GROUP.equals(a.getGroupId())
            && RUNTIME_ARTIFACT.equals(a.getArtifactId()) && inScope(a.getScope()))
        .findFirst();
    if (runtime.isEmpty()) {
      throw new MojoFailureException("resnetc: " + project.getArtifactId()
          + " does not depend on " + RUNTIME_GROUP + ":" + RUNTIME_ARTIFACT
          + ", which the generated classes need. Add it to the project's <dependencies>:\n"
          + "    <dependency>\n"
          + "      <groupId>" + RUNTIME_GROUP + "</groupId>\n"
          + "      <artifactId>" + RUNTIME_ARTIFACT + "</artifactId>\n"
          + "      <version>" + plugin.getVersion() + "</version>\n"
          + "    </dependency>");
    }
    if (!runtime.get().getBaseVersion().equals(plugin.getVersion())) {
      getLog().warn("resnetc: the project uses " + RUNTIME_ARTIFACT + " "
          + runtime.get().getBaseVersion() + " but the plugin is " + plugin.getVersion()
          + "; use the same version for both");
    }
  }

  /**
   * Eclipse m2e, whose build context turns messages into markers, sets {@code m2e.version}. Outside
   * it the build context would only log each message a second time, in another form.
   */
  private boolean inEclipse() {
    return session.getSystemProperties().getProperty("m2e.version") != null
        || session.getUserProperties().getProperty("m2e.version") != null;
  }

  private void report(NetworkGenerator.Outcome outcome) {
    boolean markers = inEclipse();
    Set<File> markedFiles = new HashSet<>();
    outcome.checked().forEach(p -> markedFiles.add(p.toFile()));
    outcome.messages().forEach(m -> markedFiles.add(m.file().toFile()));
    markedFiles.forEach(buildContext::removeMessages);
    Log log = getLog();
    Set<String> shown = new HashSet<>();
    for (Message m : outcome.messages()) {
      if (!shown.add(m.text())) {
        continue;
      }
      for (String line : m.text().split("\n")) {
        switch (m.severity()) {
          case ERROR -> log.error(line);
          case WARNING -> log.warn(line);
          default -> log.info(line);
        }
      }
      if (markers && m.severity() != Severity.NOTE) {
        buildContext.addMessage(m.file().toFile(), m.line(), m.column(), m.headline(),
            m.severity() == Severity.ERROR
                ? BuildContext.SEVERITY_ERROR : BuildContext.SEVERITY_WARNING, null);
      }
    }
    outcome.written().forEach(p -> buildContext.refresh(p.toFile()));
    outcome.deleted().forEach(p -> buildContext.refresh(p.toFile()));
    String summary = "resnetc: " + outcome.compiled() + " compiled, " + outcome.upToDate()
        + " up to date, " + outcome.written().size() + " written, " + outcome.deleted().size()
        + " deleted";
    log.info(summary);
    outcome.written().forEach(p -> log.info("resnetc: wrote " + relative(p)));
    outcome.deleted().forEach(p -> log.info("resnetc: deleted " + relative(p)));
  }

  private String relative(Path p) {
    Path base = project.getBasedir().toPath().toAbsolutePath();
    Path abs = p.toAbsolutePath();
    return abs.startsWith(base) ? base.relativize(abs).toString() : abs.toString();
  }
}
