package io.embedflow.orchestrator;

import io.embedflow.flink.refresh.EmbeddingRefreshJob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The version of the pipeline code a run used: the git commit of the checkout it was built from
 * it was built from, else the SHA-256 of the pipeline jar.
 */
public final class CodeVersion {
    private static volatile String cached;

    private CodeVersion() {}

    public static String current() {
        String v = cached;
        if (v == null) {
            v = compute();
            cached = v;
        }
        return v;
    }

    private static String compute() {
        try {
            Path location = Path.of(EmbeddingRefreshJob.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = location.toAbsolutePath(); p != null; p = p.getParent()) {
                Path head = p.resolve(".git/HEAD");
                if (Files.isRegularFile(head)) {
                    String ref = Files.readString(head).trim();
                    if (ref.startsWith("ref: ")) {
                        Path refFile = p.resolve(".git").resolve(ref.substring(5));
                        if (Files.isRegularFile(refFile)) {
                            return "git:" + Files.readString(refFile).trim();
                        }
                        Path packed = p.resolve(".git/packed-refs");
                        if (Files.isRegularFile(packed)) {
                            for (String line : Files.readAllLines(packed)) {
                                if (line.endsWith(" " + ref.substring(5))) {
                                    return "git:" + line.substring(0, line.indexOf(' '));
                                }
                            }
                        }
                        return "git:" + ref.substring(5) + " (no commit)";
                    }
                    return "git:" + ref;
                }
            }
            if (Files.isRegularFile(location)) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                try (InputStream in = new DigestInputStream(Files.newInputStream(location), md)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                return "jar-sha256:" + HexFormat.of().formatHex(md.digest());
            }
            return "unknown";
        } catch (Exception | Error e) {
            return "unknown";
        }
    }
}
