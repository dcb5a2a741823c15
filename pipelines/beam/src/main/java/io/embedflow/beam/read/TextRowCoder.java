package io.embedflow.beam.read;

import io.embedflow.beam.Coders;
import io.embedflow.connectors.parquet.TextRow;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;

/**
 * Encodes a {@link TextRow}'s identity (id, text, file index, row in file); the read statistics it may carry
 * ({@code readBytes}, {@code readWaitNanos}) are not part of a row and are not encoded.
 */
public final class TextRowCoder extends CustomCoder<TextRow> {
    private static final long serialVersionUID = 1L;
    private static final TextRowCoder INSTANCE = new TextRowCoder();

    private TextRowCoder() {}

    public static TextRowCoder of() {
        return INSTANCE;
    }

    @Override
    public void encode(TextRow row, OutputStream outStream) throws IOException {
        DataOutputStream out = new DataOutputStream(outStream);
        out.writeLong(row.idLong);
        Coders.writeString(out, row.idString);
        Coders.writeString(out, row.text);
        out.writeInt(row.fileIndex);
        out.writeLong(row.rowInFile);
        out.flush();
    }

    @Override
    public TextRow decode(InputStream inStream) throws IOException {
        DataInputStream in = new DataInputStream(inStream);
        long idLong = in.readLong();
        String idString = Coders.readString(in);
        String text = Coders.readString(in);
        int fileIndex = in.readInt();
        long rowInFile = in.readLong();
        return new TextRow(idLong, idString, text, fileIndex, rowInFile);
    }

    @Override
    public void verifyDeterministic() {}
}
