package io.embedflow.djl.collective;

import java.nio.FloatBuffer;

/**
 * The floats an operation reduces in place: {@code length} floats of a buffer from absolute index
 * {@code offset}. Array-backed buffers are read and written through their array; others (direct
 * buffers) through absolute bulk gets and puts, which leave the buffer's position alone and so may
 * come from two threads at once.
 */
final class RingTarget {
    private final FloatBuffer buffer;
    private final int offset;
    private final float[] array;
    private final int arrayOffset;
    private final int length;

    RingTarget(FloatBuffer buffer, int offset, int length) {
        this.buffer = buffer;
        this.offset = offset;
        this.array = buffer.hasArray() ? buffer.array() : null;
        this.arrayOffset = buffer.hasArray() ? buffer.arrayOffset() + offset : 0;
        this.length = length;
    }

    int length() {
        return length;
    }

    /** Copies {@code k} floats from index {@code at} into {@code out} at float index {@code to}. */
    void copyOut(int at, FloatBuffer out, int to, int k) {
        if (array != null) {
            out.put(to, array, arrayOffset + at, k);
        } else {
            out.put(to, buffer, offset + at, k);
        }
    }

    /** Stores {@code k} floats of {@code in} from float index {@code from} at index {@code at}. */
    void store(int at, FloatBuffer in, int from, int k) {
        if (array != null) {
            in.get(from, array, arrayOffset + at, k);
        } else {
            buffer.put(offset + at, in, from, k);
        }
    }

    /**
     * Adds {@code k} floats of {@code in} from float index {@code from} to those at index {@code at},
     * dividing the sums by {@code divisor} (1 for none).
     *
     * @param incoming and {@code current}: scratch arrays of at least {@code k} floats
     */
    void add(int at, FloatBuffer in, int from, int k, float divisor, float[] incoming, float[] current) {
        in.get(from, incoming, 0, k);   // a bulk copy then a loop over arrays: much faster than get(i) per float
        float[] target = array != null ? array : current;
        int base = array != null ? arrayOffset + at : 0;
        if (array == null) {
            buffer.get(offset + at, current, 0, k);
        }
        if (divisor != 1f) {
            for (int i = 0; i < k; i++) {
                target[base + i] = (target[base + i] + incoming[i]) / divisor;
            }
        } else {
            for (int i = 0; i < k; i++) {
                target[base + i] += incoming[i];
            }
        }
        if (array == null) {
            buffer.put(offset + at, current, 0, k);
        }
    }
}
