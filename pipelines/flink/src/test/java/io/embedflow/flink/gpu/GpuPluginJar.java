package io.embedflow.flink.gpu;

import io.embedflow.flink.gpu.driver.GpuDriverFactory;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.PluginDescriptor;
import org.apache.flink.core.plugin.PluginManager;

/**
 * Builds the GPU driver's plugin jar from the compiled classes, holding only what docs/gpu.md
 * says the plugin needs (the driver package and its service file), and a plugin manager over it
 * the way a task manager builds one from {@code plugins/}.
 */
final class GpuPluginJar {
    private GpuPluginJar() {}

    static final String SERVICE_FILE =
            "META-INF/services/org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory";

    static Path build(Path dir) throws IOException {
        Path classes;
        try {
            classes = Path.of(GpuDriverFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        if (!Files.isDirectory(classes)) {
            throw new IllegalStateException("expected the module's compiled classes, found " + classes);
        }
        Path driverPackage = classes.resolve(GpuDriverFactory.class.getPackageName().replace('.', '/'));
        Files.createDirectories(dir);
        Path jar = dir.resolve("embedflow-gpu-driver.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> files = Files.walk(driverPackage)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                add(out, classes, file);
            }
            add(out, classes, classes.resolve(SERVICE_FILE));
        }
        return jar;
    }

    private static void add(JarOutputStream out, Path root, Path file) throws IOException {
        out.putNextEntry(new JarEntry(root.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, out);
        out.closeEntry();
    }

    /** A plugin manager with the jar as its one plugin, with Flink's parent-first patterns for plugins. */
    static PluginManager pluginManager(Path jar, Configuration conf) throws IOException {
        PluginDescriptor plugin = new PluginDescriptor("embedflow-gpu", new URL[] {jar.toUri().toURL()}, new String[0]);
        return new DefaultPluginManager(List.of(plugin), CoreOptions.getPluginParentFirstLoaderPatterns(conf));
    }
}
