package dev.resnetc.compiler.codegen;

import com.palantir.javapoet.JavaFile;
import dev.resnetc.runtime.Kernels;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles generated sources with the JDK's javac, in memory, against the runtime, and loads the
 * classes; used by {@code resnetc run} and by every test that checks generated code.
 */
public final class ClassCompiler {
  /** The flags generated code must pass without a single warning. */
  public static final List<String> STRICT = List.of("-Xlint:all", "-Werror", "--release", "17");

  private ClassCompiler() {}

  /** Compiles {@code file} and returns its top-level class, loaded in a fresh class loader. */
  public static Class<?> compile(JavaFile file) {
    String className = file.packageName().isEmpty() ? file.typeSpec().name()
        : file.packageName() + "." + file.typeSpec().name();
    return compile(className, file.toString());
  }

  /** Compiles one source of class {@code className}; an error lists javac's messages. */
  public static Class<?> compile(String className, String source) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no Java compiler: run resnetc on a JDK, not a JRE");
    }
    DiagnosticCollector<JavaFileObject> messages = new DiagnosticCollector<>();
    StandardJavaFileManager standard = javac.getStandardFileManager(messages, Locale.ROOT, null);
    MemoryFileManager files = new MemoryFileManager(standard);
    List<String> options = new ArrayList<>(STRICT);
    options.add("-classpath");
    options.add(runtimeClassPath());
    JavaFileObject unit = new SimpleJavaFileObject(
        URI.create("string:///" + className.replace('.', '/') + ".java"),
        JavaFileObject.Kind.SOURCE) {
      @Override
      public CharSequence getCharContent(boolean ignoreEncodingErrors) {
        return source;
      }
    };
    boolean ok = javac.getTask(null, files, messages, options, null, List.of(unit)).call();
    if (!ok) {
      throw new IllegalStateException("javac rejected generated " + className + ":\n"
          + messages.getDiagnostics().stream().map(ClassCompiler::describe)
              .collect(Collectors.joining("\n")));
    }
    try {
      return new MemoryClassLoader(files.classes, ClassCompiler.class.getClassLoader())
          .loadClass(className);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("javac produced no class " + className, e);
    }
  }

  private static String describe(Diagnostic<? extends JavaFileObject> d) {
    return d.getKind() + " at line " + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT);
  }

  /** Where the runtime's classes are: a jar or a classes folder, whichever loaded them. */
  static String runtimeClassPath() {
    try {
      Path location = Path.of(Kernels.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      String classPath = System.getProperty("java.class.path", "");
      return location + (classPath.isEmpty() ? "" : File.pathSeparator + classPath);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the resnetc runtime", e);
    }
  }

  /** Keeps javac's class output in memory. */
  private static final class MemoryFileManager
      extends ForwardingJavaFileManager<StandardJavaFileManager> {
    final Map<String, ByteArrayOutputStream> classes = new HashMap<>();

    MemoryFileManager(StandardJavaFileManager standard) {
      super(standard);
    }

    @Override
    public JavaFileObject getJavaFileForOutput(JavaFileManager.Location location, String name,
        JavaFileObject.Kind kind, FileObject sibling) {
      return new SimpleJavaFileObject(URI.create("mem:///" + name.replace('.', '/') + ".class"),
          kind) {
        @Override
        public OutputStream openOutputStream() {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          classes.put(name, bytes);
          return bytes;
        }
      };
    }
  }

  /** Defines the compiled classes on first request. */
  private static final class MemoryClassLoader extends ClassLoader {
    private final Map<String, ByteArrayOutputStream> classes;

    MemoryClassLoader(Map<String, ByteArrayOutputStream> classes, ClassLoader parent) {
      super(parent);
      this.classes = classes;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      ByteArrayOutputStream bytes = classes.get(name);
      if (bytes == null) {
        throw new ClassNotFoundException(name);
      }
      byte[] b = bytes.toByteArray();
      return defineClass(name, b, 0, b.length);
    }
  }
}
