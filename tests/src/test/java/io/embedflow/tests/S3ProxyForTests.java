package io.embedflow.tests;

import io.embedflow.connectors.S3ProxyServer;
import io.embedflow.connectors.s3.S3Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;

/** S3Proxy in this JVM, and the system properties that point our S3 settings and the AWS SDK at it. */
final class S3ProxyForTests {
    private S3ProxyForTests() {
    }

    /** Starts S3Proxy and sets its endpoint (path-style), a region and its credentials as system properties. */
    static S3ProxyServer start() {
        S3ProxyServer s3 = S3ProxyServer.start();
        System.setProperty(S3Settings.ENDPOINT_PROPERTY, s3.endpoint().toString());
        System.setProperty(S3Settings.PATH_STYLE_PROPERTY, "true");
        System.setProperty("aws.region", "us-east-1");
        System.setProperty("aws.accessKeyId", S3ProxyServer.IDENTITY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.CREDENTIAL);
        return s3;
    }

    /** Clears what {@link #start} set and stops {@code s3}. */
    static void stop(S3ProxyServer s3) {
        System.clearProperty(S3Settings.ENDPOINT_PROPERTY);
        System.clearProperty(S3Settings.PATH_STYLE_PROPERTY);
        System.clearProperty("aws.region");
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        s3.close();
    }

    /** Uploads every file under {@code dir} to {@code s3://bucket/prefix...}; returns the URI. */
    static String upload(S3ProxyServer s3, Path dir, String bucket, String prefix) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String key = prefix + dir.relativize(f).toString().replace('\\', '/');
                s3.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(f));
            }
        }
        return "s3://" + bucket + "/" + prefix;
    }
}
