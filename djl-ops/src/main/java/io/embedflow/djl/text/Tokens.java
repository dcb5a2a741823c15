package io.embedflow.djl.text;

/**
 * One tokenized text.
 *
 * @param ids token ids, special tokens included
 * @param truncated whether the text had more tokens than the model's maxLength
 */
public record Tokens(long[] ids, boolean truncated) {
    public int length() {
        return ids.length;
    }
}
