package io.embedflow.djl.model;

import io.embedflow.djl.DjlOpsException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The embedding settings of a model directory, read from its {@code serving.properties}
 * (the file DJL's converter writes beside a Hugging Face model).
 *
 * @param pooling how token vectors are pooled ({@code pooling=mean|cls}, default mean)
 * @param normalize whether vectors are L2-normalised ({@code normalize}, default true)
 * @param maxLength tokens per text, special tokens included; longer texts are truncated
 *     ({@code maxLength}, default 512)
 * @param includeTokenTypes whether the model's forward takes {@code token_type_ids} as a third
 *     input ({@code includeTokenTypes}, default false)
 */
public record ServingConfig(Pooling pooling, boolean normalize, int maxLength, boolean includeTokenTypes) {
    public static final String FILE_NAME = "serving.properties";

    public ServingConfig {
        if (pooling == null) {
            throw new DjlOpsException("pooling must be set");
        }
        if (maxLength < 2) {
            throw new DjlOpsException("maxLength must be at least 2, was " + maxLength);
        }
    }

    public static ServingConfig defaults() {
        return new ServingConfig(Pooling.MEAN, true, 512, false);
    }

    /** Reads {@code file}; a missing file gives the defaults, a bad value an error naming file and key. */
    public static ServingConfig read(Path file) {
        if (!Files.exists(file)) {
            return defaults();
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new DjlOpsException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String poolingText = props.getProperty("pooling", "mean");
        Pooling pooling = Pooling.parseOrNull(poolingText);
        if (pooling == null) {
            throw new DjlOpsException(file + ": pooling must be 'mean' or 'cls', was '" + poolingText + "'");
        }
        return new ServingConfig(
                pooling,
                bool(file, props, "normalize", true),
                integer(file, props, "maxLength", 512),
                bool(file, props, "includeTokenTypes", false));
    }

    private static boolean bool(Path file, Properties props, String key, boolean dflt) {
        String v = props.getProperty(key);
        if (v == null) {
            return dflt;
        }
        if (v.trim().equalsIgnoreCase("true") || v.trim().equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v.trim());
        }
        throw new DjlOpsException(file + ": " + key + " must be true or false, was '" + v + "'");
    }

    private static int integer(Path file, Properties props, String key, int dflt) {
        String v = props.getProperty(key);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 2) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new DjlOpsException(file + ": " + key + " must be an integer >= 2, was '" + v + "'");
        }
    }
}
