package io.embedflow.beam.write;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * {@link IdPlace} as two variable-length integers: one per row of the duplicate check, so a few bytes and no Java
 * serialization (which costs a class descriptor per element).
 */
final class IdPlaceCoder extends AtomicCoder<IdPlace> {
    private static final long serialVersionUID = 1L;
    private static final IdPlaceCoder INSTANCE = new IdPlaceCoder();

    static IdPlaceCoder of() {
        return INSTANCE;
    }

    private IdPlaceCoder() {
    }

    @Override
    public void encode(IdPlace place, OutputStream out) throws IOException {
        VarIntCoder.of().encode(place.fileIndex(), out);
        VarLongCoder.of().encode(place.rowInFile(), out);
    }

    @Override
    public IdPlace decode(InputStream in) throws IOException {
        return new IdPlace(VarIntCoder.of().decode(in), VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {
    }
}
