package io.embedflow.beam.embed;

import io.embedflow.beam.Coders;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;

/** Encodes an {@link EmbeddedText}: the vector as raw floats, no per-element Java serialization. */
public final class EmbeddedTextCoder extends CustomCoder<EmbeddedText> {
    private static final long serialVersionUID = 1L;
    private static final EmbeddedTextCoder INSTANCE = new EmbeddedTextCoder();

    private EmbeddedTextCoder() {}

    public static EmbeddedTextCoder of() {
        return INSTANCE;
    }

    @Override
    public void encode(EmbeddedText e, OutputStream outStream) throws IOException {
        DataOutputStream out = new DataOutputStream(outStream);
        out.writeLong(e.idLong());
        Coders.writeString(out, e.idString());
        out.writeInt(e.fileIndex());
        out.writeLong(e.rowInFile());
        Coders.writeFloats(out, e.vector());
        Coders.writeString(out, e.contentHash());
        out.writeBoolean(e.truncated());
        out.flush();
    }

    @Override
    public EmbeddedText decode(InputStream inStream) throws IOException {
        DataInputStream in = new DataInputStream(inStream);
        return new EmbeddedText(in.readLong(), Coders.readString(in), in.readInt(), in.readLong(), Coders.readFloats(in),
                Coders.readString(in), in.readBoolean());
    }

    @Override
    public void verifyDeterministic() {}
}
