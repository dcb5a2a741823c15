package io.embedflow.beam.embed;

import io.embedflow.beam.Coders;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;

/** Encodes a {@link RejectedText}. */
public final class RejectedTextCoder extends CustomCoder<RejectedText> {
    private static final long serialVersionUID = 1L;
    private static final RejectedTextCoder INSTANCE = new RejectedTextCoder();

    private RejectedTextCoder() {}

    public static RejectedTextCoder of() {
        return INSTANCE;
    }

    @Override
    public void encode(RejectedText r, OutputStream outStream) throws IOException {
        DataOutputStream out = new DataOutputStream(outStream);
        out.writeLong(r.idLong());
        Coders.writeString(out, r.idString());
        out.writeInt(r.fileIndex());
        out.writeLong(r.rowInFile());
        Coders.writeString(out, r.reason());
        Coders.writeString(out, r.text());
        out.flush();
    }

    @Override
    public RejectedText decode(InputStream inStream) throws IOException {
        DataInputStream in = new DataInputStream(inStream);
        return new RejectedText(in.readLong(), Coders.readString(in), in.readInt(), in.readLong(), Coders.readString(in),
                Coders.readString(in));
    }

    @Override
    public void verifyDeterministic() {}
}
