package io.embedflow.beam;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Field encodings shared by the element coders of this module: compact, null-aware, big-endian. */
public final class Coders {
    /** The longest vector a coder reads: far beyond any model's dimension, short of a corrupt length's allocation. */
    private static final int MAX_FLOATS = 1 << 20;

    private Coders() {}

    /** Writes a nullable string as a length (-1 for null) and its UTF-8 bytes. */
    public static void writeString(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    public static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Writes a vector as its length and its floats, big-endian, in one write (a float at a time costs a call each). */
    public static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES);
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
    }

    public static float[] readFloats(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_FLOATS) {
            throw new IOException("a vector of " + length + " floats cannot be right (at most " + MAX_FLOATS + ")");
        }
        byte[] bytes = new byte[length * Float.BYTES];
        in.readFully(bytes);
        float[] values = new float[length];
        ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
        return values;
    }
}
