package io.embedflow.bench;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code awscli} package, always run as {@code /usr/bin/aws}: another {@code aws} (a pyenv
 * shim, an old pip install) may come first on {@code PATH}, and the baseline must be the one users
 * get from the distribution. It runs with its default transfer settings, credentials from the
 * environment only (no config or credentials file is read) and no EC2 metadata lookups.
 */
final class DebianAwsCli {
    static final Path EXECUTABLE = Path.of("/usr/bin/aws");
    private static final long INSTALL_TIMEOUT_MINUTES = 10;
    private static final long COPY_TIMEOUT_MINUTES = 30;

    private final String version;
    private final double startSeconds;

    private DebianAwsCli(String version, double startSeconds) {
        this.version = version;
        this.startSeconds = startSeconds;
    }

    /**
     * {@code /usr/bin/aws}, installed with {@code apt-get} first when it is missing and this process
     * runs as root; empty, with the reason in {@code why}, when it cannot be had.
     *
     * @param work a directory for apt-get's output
     * @param progress where an installation is announced
     */
    static Optional<DebianAwsCli> locate(Path work, List<String> why, PrintWriter progress)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(EXECUTABLE)) {
            if (new UnixSystem().getUid() != 0) {
                why.add(EXECUTABLE + " is missing and installing it needs root: apt-get install awscli");
                return Optional.empty();
            }
            Path log = work.resolve("apt-get.log");
            progress.println("bench s3: " + EXECUTABLE + " is missing; installing Debian's awscli "
                    + "(apt-get install -y -q awscli)");
            long installStart = System.nanoTime();
            if (aptGet(log, "install", "-y", "-q", "awscli") != 0) {
                // a fresh image may have no package lists yet
                if (aptGet(log, "update", "-q") != 0 || aptGet(log, "install", "-y", "-q", "awscli") != 0) {
                    why.add("apt-get install awscli failed; " + log + " ends with:\n" + S3ProxyProcess.tail(log));
                    return Optional.empty();
                }
            }
            if (!Files.isExecutable(EXECUTABLE)) {
                why.add("apt-get installed awscli but " + EXECUTABLE + " is still missing");
                return Optional.empty();
            }
            progress.printf("bench s3: installed awscli in %.0f s%n", (System.nanoTime() - installStart) / 1e9);
        }
        Path log = work.resolve("aws-version.log");
        long start = System.nanoTime();
        int code = run(List.of(EXECUTABLE.toString(), "--version"), Map.of(), log, 1);
        double seconds = (System.nanoTime() - start) / 1e9;
        String output = Files.readString(log, StandardCharsets.UTF_8).strip();
        if (code != 0) {
            why.add(EXECUTABLE + " --version failed with exit code " + code + ": " + output);
            return Optional.empty();
        }
        // "aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off"
        String version = output.split("\\s+")[0];
        return Optional.of(new DebianAwsCli(version, seconds));
    }

    /** Such as {@code aws-cli/2.9.19}. */
    String version() {
        return version;
    }

    /** How long {@code aws --version} took: the interpreter's start, part of every copy's time. */
    double startSeconds() {
        return startSeconds;
    }

    /**
     * {@code aws s3 cp --recursive s3://BUCKET/PREFIX/ DEST}; fails with the command's output if it
     * does not exit with 0.
     */
    void copyRecursive(URI endpoint, String bucket, String prefix, Path dest, String identity, String credential,
            Path work) throws IOException, InterruptedException {
        Path emptyConfig = work.resolve("aws-empty-config");
        if (!Files.exists(emptyConfig)) {
            Files.createFile(emptyConfig);
        }
        Map<String, String> env = Map.of(
                "AWS_ACCESS_KEY_ID", identity,
                "AWS_SECRET_ACCESS_KEY", credential,
                "AWS_DEFAULT_REGION", "us-east-1",
                "AWS_EC2_METADATA_DISABLED", "true",
                "AWS_CONFIG_FILE", emptyConfig.toString(),
                "AWS_SHARED_CREDENTIALS_FILE", emptyConfig.toString(),
                "AWS_PAGER", "");
        Path log = work.resolve("aws-s3-cp.log");
        List<String> command = List.of(EXECUTABLE.toString(), "s3", "cp", "--recursive", "--no-progress",
                "--endpoint-url", endpoint.toString(), "s3://" + bucket + "/" + prefix + "/", dest.toString());
        int code = run(command, env, log, COPY_TIMEOUT_MINUTES);
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + code + "; " + log
                    + " ends with:\n" + S3ProxyProcess.tail(log));
        }
    }

    private static int aptGet(Path log, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("apt-get"));
        command.addAll(List.of(args));
        return run(command, Map.of("DEBIAN_FRONTEND", "noninteractive"), log, INSTALL_TIMEOUT_MINUTES);
    }

    /** Runs {@code command} with output appended to {@code log}, AWS and Python settings of this process removed. */
    private static int run(List<String> command, Map<String, String> env, Path log, long timeoutMinutes)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // Debian's python3 must not pick up another interpreter's paths, nor aws our own AWS settings
        builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("PYTHON"));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeoutMinutes
                    + " min; see " + log);
        }
        return process.exitValue();
    }
}
