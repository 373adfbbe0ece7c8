package dev.resnetc.maven;

import java.io.File;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.codehaus.plexus.build.BuildContext;

/**
 * Compiles the {@code .resnet} networks under {@code src/test/resnet} to Java sources and adds them
 * to the project's test source roots.
 */
@Mojo(name = "generate-test", defaultPhase = LifecyclePhase.GENERATE_TEST_SOURCES,
    threadSafe = true, requiresDependencyCollection = ResolutionScope.TEST)
public class GenerateTestMojo extends AbstractGenerateMojo {
  /** Where the test {@code .resnet} sources are. */
  @Parameter(property = "resnetc.testSourceDirectory",
      defaultValue = "${project.basedir}/src/test/resnet")
  File testSourceDirectory;

  /** Where the generated test sources go. */
  @Parameter(property = "resnetc.testOutputDirectory",
      defaultValue = "${project.build.directory}/generated-test-sources/resnetc")
  File testOutputDirectory;

  @Inject
  public GenerateTestMojo(BuildContext buildContext) {
    super(buildContext);
  }

  @Override
  File sourceDirectory() {
    return testSourceDirectory;
  }

  @Override
  File outputDirectory() {
    return testOutputDirectory;
  }

  @Override
  void addSourceRoot(String directory) {
    project.addTestCompileSourceRoot(directory);
  }

  @Override
  boolean inScope(String scope) {
    return true;
  }
}
