package io.embedflow.bench;

import io.embedflow.djl.text.TextTokenizer;
import io.embedflow.orchestrator.demo.DemoDataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates texts whose token counts follow a log-normal distribution truncated to
 * {@code [minTokens, maxTokens]} (values outside are drawn again), so most texts are short and a
 * long tail reaches the model's maxLength, as in warehouse tables.
 *
 * <p>A text is built from words that the model's tokenizer turns into exactly one token each
 * (the demo vocabulary, filtered with the tokenizer), so a text of {@code k} words has
 * {@code k + specials} tokens, where {@code specials} is what the tokenizer adds to every text.
 * Callers should still check with the tokenizer: a tokenizer whose words change with their
 * neighbours (byte-level BPE) may differ.
 *
 * <p>Deterministic for a seed; not thread-safe; holds nothing but the word list, so any number of
 * texts can be streamed.
 */
final class SkewedTexts {
    private final List<String> words;
    private final int specials;
    private final int minTokens;
    private final int maxTokens;
    private final double mu;
    private final double sigma;
    private final Random random;

    private SkewedTexts(List<String> words, int specials, int minTokens, int maxTokens, double median, double sigma,
            long seed) {
        this.words = words;
        this.specials = specials;
        this.minTokens = minTokens;
        this.maxTokens = maxTokens;
        this.mu = Math.log(median);
        this.sigma = sigma;
        this.random = new Random(seed);
    }

    /**
     * Token counts whose median is the geometric middle of the bounds, with the bounds two standard
     * deviations (in log space) either side of it: the whole range is used.
     */
    static SkewedTexts spanning(TextTokenizer tokenizer, int minTokens, int maxTokens, long seed) {
        return create(tokenizer, minTokens, maxTokens, Math.sqrt((double) minTokens * maxTokens),
                (Math.log(maxTokens) - Math.log(minTokens)) / 4, seed);
    }

    /**
     * A generator for {@code tokenizer}, drawing token counts of the given median and log-space
     * standard deviation; fails if the bounds leave no room or no word is one token.
     */
    static SkewedTexts create(TextTokenizer tokenizer, int minTokens, int maxTokens, double median, double sigma,
            long seed) {
        int specials = tokenizer.encode("").length();
        if (minTokens <= specials || maxTokens < minTokens) {
            throw new IllegalArgumentException("token bounds [" + minTokens + ", " + maxTokens
                    + "] leave no room for words after " + specials + " special tokens");
        }
        List<String> single = new ArrayList<>();
        for (String w : demoWords()) {
            if (tokenizer.encode(w).length() == specials + 1) {
                single.add(w);
            }
        }
        if (single.isEmpty()) {
            throw new IllegalArgumentException("no demo word is a single token for this tokenizer");
        }
        return new SkewedTexts(List.copyOf(single), specials, minTokens, maxTokens, median, sigma, seed);
    }

    /** Draws the next token count: log-normal, redrawn until it lies within the bounds. */
    int nextTokenCount() {
        while (true) {
            long n = Math.round(Math.exp(mu + sigma * random.nextGaussian()));
            if (n >= minTokens && n <= maxTokens) {
                return (int) n;
            }
        }
    }

    /** A text that tokenizes to {@code tokens} tokens, special tokens included. */
    String text(int tokens) {
        int n = tokens - specials;
        StringBuilder sb = new StringBuilder(n * 7);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(words.get(random.nextInt(words.size())));
        }
        return sb.toString();
    }

    int wordCount() {
        return words.size();
    }

    double medianTokens() {
        return Math.exp(mu);
    }

    double sigma() {
        return sigma;
    }

    private static List<String> demoWords() {
        try (InputStream in = DemoDataset.class.getResourceAsStream("words.txt")) {
            if (in == null) {
                throw new IllegalStateException("the demo's words.txt is missing from the classpath");
            }
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the demo's words.txt", e);
        }
    }
}
