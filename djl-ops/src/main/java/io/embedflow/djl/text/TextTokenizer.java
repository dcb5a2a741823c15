package io.embedflow.djl.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.model.ModelDirectory;
import java.io.IOException;
import java.util.List;

/**
 * Tokenizes texts with a model's Hugging Face {@code tokenizer.json}, truncating to the model's
 * maxLength and never padding (batches pad to their own longest text). Thread-safe.
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public static TextTokenizer load(ModelDirectory model) {
        try {
            return new TextTokenizer(HuggingFaceTokenizer.builder()
                    .optTokenizerPath(model.tokenizerFile())
                    .optMaxLength(model.config().maxLength())
                    .optTruncation(true)
                    .optPadding(false)
                    .optAddSpecialTokens(true)
                    .build());
        } catch (IOException | RuntimeException e) {
            throw new DjlOpsException("cannot load tokenizer " + model.tokenizerFile() + ": " + e.getMessage(), e);
        }
    }

    public Tokens encode(String text) {
        Encoding e = tokenizer.encode(text);
        return new Tokens(e.getIds(), e.exceedMaxLength());
    }

    /** Tokenizes many texts in one native call (the tokenizer parallelises internally). */
    public Tokens[] encodeAll(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        Tokens[] out = new Tokens[encodings.length];
        for (int i = 0; i < encodings.length; i++) {
            out[i] = new Tokens(encodings[i].getIds(), encodings[i].exceedMaxLength());
        }
        return out;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
