package io.embedflow.bench;

import java.net.URISyntaxException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options of the benchmarks that run S3Proxy in a JVM of its own: scratch space, awscli, the server. */
final class S3ServerOptions {
    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the scratch directory goes, deleted at the end (default: the system temp dir).")
    Path dir;

    @Option(names = "--no-awscli", description = "Skip the aws s3 cp baseline; never installs awscli.")
    boolean noAwscli;

    @Option(names = "--s3proxy-jar", paramLabel = "JAR",
            description = "S3Proxy's jar-with-dependencies (default: s3proxy.jar beside the benchmarks jar).")
    Path s3proxyJar;

    @Option(names = "--server-heap", defaultValue = "1g", description = "S3Proxy's -Xmx (default: ${DEFAULT-VALUE}).")
    String serverHeap;

    /** {@code --s3proxy-jar}, else s3proxy.jar beside benchmarks/target/benchmarks-*.jar (or target/classes in the build). */
    Path serverJar() throws URISyntaxException {
        if (s3proxyJar != null) {
            return s3proxyJar;
        }
        Path code = Path.of(S3ServerOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return code.getParent().resolve("s3proxy.jar");
    }
}
