package dev.resnetc.maven;

import java.io.File;
import javax.inject.Inject;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.codehaus.plexus.build.BuildContext;

/**
 * Compiles the {@code .resnet} networks under {@code src/main/resnet} to Java sources, one class
 * per network, and adds them to the project's compile source roots.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true,
    requiresDependencyCollection = ResolutionScope.COMPILE)
public class GenerateMojo extends AbstractGenerateMojo {
  /** Where the {@code .resnet} sources are; a source's folder under it names its Java package. */
  @Parameter(property = "resnetc.sourceDirectory",
      defaultValue = "${project.basedir}/src/main/resnet")
  File sourceDirectory;

  /** Where the generated Java sources go. */
  @Parameter(property = "resnetc.outputDirectory",
      defaultValue = "${project.build.directory}/generated-sources/resnetc")
  File outputDirectory;

  @Inject
  public GenerateMojo(BuildContext buildContext) {
    super(buildContext);
  }

  @Override
  File sourceDirectory() {
    return sourceDirectory;
  }

  @Override
  File outputDirectory() {
    return outputDirectory;
  }

  @Override
  void addSourceRoot(String directory) {
    project.addCompileSourceRoot(directory);
  }

  @Override
  boolean inScope(String scope) {
    return !"test".equals(scope);
  }
}
