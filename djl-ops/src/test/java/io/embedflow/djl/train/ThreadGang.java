package io.embedflow.djl.train;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Members of one gang as threads of one test, exchanging through shared arrays at a barrier (the
 * TCP collective is tested on its own; this isolates the trainer's arithmetic).
 */
final class ThreadGang {
    private final int size;
    private final CyclicBarrier barrier;
    private final float[][] slots;

    ThreadGang(int size) {
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.slots = new float[size][];
    }

    GradientExchange member(int rank) {
        return new GradientExchange() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int worldSize() {
                return size;
            }

            @Override
            public float[] allGather(float[] local) {
                slots[rank] = local.clone();
                await();
                float[] all = new float[local.length * size];
                for (int r = 0; r < size; r++) {
                    System.arraycopy(slots[r], 0, all, r * local.length, local.length);
                }
                await();
                return all;
            }

            @Override
            public void allReduceSum(float[] data) {
                slots[rank] = data.clone();
                await();
                java.util.Arrays.fill(data, 0f);
                for (int r = 0; r < size; r++) {
                    for (int i = 0; i < data.length; i++) {
                        data[i] += slots[r][i];
                    }
                }
                await();
            }
        };
    }

    private void await() {
        try {
            barrier.await(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("gang member did not arrive", e);
        }
    }
}
