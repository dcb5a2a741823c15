package io.embedflow.tests.k8s;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads the manifests under {@code k8s/}: files as they are, and overlays as {@code kubectl kustomize}
 * renders them. Every YAML document becomes a {@link K8sObject} that names its source.
 */
final class Manifests {

    /** Overrides where kubectl is looked for (else {@code kubectl} on the PATH). */
    static final String KUBECTL_ENV = "EMBEDFLOW_KUBECTL";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final long RENDER_TIMEOUT_SECONDS = 60;

    private Manifests() {
    }

    /** The {@code k8s/} folder of the checkout the tests run in. */
    static Path k8sDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("k8s/base/kustomization.yaml"))) {
                return dir.resolve("k8s");
            }
        }
        throw new IllegalStateException("no k8s/base/kustomization.yaml above " + Path.of("").toAbsolutePath());
    }

    /** Every {@code .yaml}/{@code .yml} file under {@code dir}, sorted. */
    static List<Path> yamlFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The documents of one YAML file (empty documents left out). */
    static List<K8sObject> read(Path file) {
        try {
            return parse(Files.readString(file), k8sDir().getParent().relativize(file).toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The documents of a multi-document YAML text; {@code source} names it in violations. */
    static List<K8sObject> parse(String yaml, String source) {
        List<K8sObject> objects = new ArrayList<>();
        // document by document: a reader of values would take a top-level list (a JSON patch) apart
        try (JsonParser parser = YAML.getFactory().createParser(yaml)) {
            while (parser.nextToken() != null) {
                JsonNode doc = YAML.readTree(parser);
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    objects.add(new K8sObject(source, doc));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("invalid YAML in " + source + ": " + e.getMessage(), e);
        }
        return objects;
    }

    /** {@value #KUBECTL_ENV} if set, else the first executable {@code kubectl} on the PATH. */
    static Optional<Path> kubectl() {
        String configured = System.getenv(KUBECTL_ENV);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "kubectl"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** What {@code kubectl kustomize <overlay>} prints, and what it wrote to stderr. */
    record Rendered(String yaml, String warnings) {
    }

    static Rendered render(Path kubectl, Path overlay) {
        try {
            Process process = new ProcessBuilder(kubectl.toString(), "kustomize", overlay.toString()).start();
            process.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            String out = readAll(process.getInputStream());
            if (!process.waitFor(RENDER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("kubectl kustomize " + overlay + " took longer than " + RENDER_TIMEOUT_SECONDS + " s");
            }
            String stderr = err.join();
            if (process.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + overlay + " failed (exit " + process.exitValue() + "): " + stderr);
            }
            return new Rendered(out, stderr.strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + kubectl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering " + overlay, e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
