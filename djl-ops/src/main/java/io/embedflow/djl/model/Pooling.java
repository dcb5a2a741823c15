package io.embedflow.djl.model;

import java.util.Locale;

/** How token vectors become one text vector. */
public enum Pooling {
    /** Mean of the token vectors under the attention mask. */
    MEAN,
    /** The first token's vector ([CLS]). */
    CLS;

    /** Parses {@code mean} or {@code cls} (any case); returns null for anything else. */
    static Pooling parseOrNull(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "mean" -> MEAN;
            case "cls" -> CLS;
            default -> null;
        };
    }
}
