package io.embedflow.djl.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
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

    /**
     * Tokenizes many texts in one native call (the tokenizer parallelises internally). Only the
     * ids and the truncation flag cross JNI: DJL's {@code Encoding} would also copy every token
     * string, character span and overflow piece, which we never use (measured on 20,000 texts: 1.3-1.5x faster).
     */
    public Tokens[] encodeAll(List<String> texts) {
        String[] array = texts.toArray(String[]::new);
        for (int i = 0; i < array.length; i++) {
            if (array[i] == null) {
                throw new DjlOpsException("cannot tokenize text " + i + " of the batch: it is null");
            }
        }
        long[] handles = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), array, true);
        Tokens[] out = new Tokens[handles.length];
        try {
            for (int i = 0; i < handles.length; i++) {
                out[i] = new Tokens(TokenizersLibrary.LIB.getTokenIds(handles[i]),
                        TokenizersLibrary.LIB.getOverflowCount(handles[i]) > 0);
            }
        } finally {
            for (long handle : handles) {
                TokenizersLibrary.LIB.deleteEncoding(handle);
            }
        }
        return out;
    }

    /** The same as {@link #encodeAll} through DJL's full {@code Encoding} objects (the reference). */
    Tokens[] encodeAllViaEncodings(List<String> texts) {
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
