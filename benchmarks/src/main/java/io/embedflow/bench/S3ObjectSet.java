package io.embedflow.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Objects of random (incompressible) bytes under one key prefix, uploaded once; each object's size,
 * ETag and CRC32C are kept, so that every read can be checked.
 *
 * @param name the set's name in tables and keys, such as {@code large}
 * @param prefix the key prefix, without a trailing slash
 */
record S3ObjectSet(String name, String bucket, String prefix, long objectSize, List<StoredObject> objects) {
    /** The largest object a set may hold: one object is generated in one array. */
    static final long MAX_OBJECT_SIZE = 1L << 30;

    /** One uploaded object. */
    record StoredObject(String key, long size, String etag, int crc32c) {}

    S3ObjectSet {
        objects = List.copyOf(objects);
    }

    long totalBytes() {
        return objects.stream().mapToLong(StoredObject::size).sum();
    }

    /** {@code 16 x 64 MiB}; a smaller last object shows as {@code +1}. */
    String shape() {
        long full = objects.stream().filter(o -> o.size() == objectSize).count();
        return full + " x " + ByteSizes.format(objectSize) + (full < objects.size() ? " +" + (objects.size() - full) : "");
    }

    /**
     * Generates {@code totalBytes} as objects of {@code objectSize} (the last one holds the rest) and
     * uploads them to {@code bucket/name/}, several at once on {@code pool}.
     */
    static S3ObjectSet upload(S3Client client, String bucket, String name, long totalBytes, long objectSize, long seed,
            ExecutorService pool) throws InterruptedException {
        if (objectSize < 1 || objectSize > MAX_OBJECT_SIZE) {
            throw new IllegalArgumentException("object size of set " + name + " must be within 1 B and "
                    + ByteSizes.format(MAX_OBJECT_SIZE) + ", was " + objectSize);
        }
        if (totalBytes < objectSize) {
            throw new IllegalArgumentException("total size of set " + name + " (" + totalBytes
                    + " B) must be at least one object (" + objectSize + " B)");
        }
        int count = Math.toIntExact((totalBytes + objectSize - 1) / objectSize);
        List<Future<StoredObject>> uploads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = String.format("%s/object-%05d.bin", name, i);
            int size = (int) Math.min(objectSize, totalBytes - i * objectSize);
            long objectSeed = seed * 1_000_003L + i;
            uploads.add(pool.submit(() -> put(client, bucket, key, size, objectSeed)));
        }
        List<StoredObject> objects = new ArrayList<>();
        try {
            for (Future<StoredObject> upload : uploads) {
                objects.add(upload.get());
            }
        } catch (ExecutionException e) {
            uploads.forEach(u -> u.cancel(true));
            throw new IllegalStateException("cannot upload set " + name + " to bucket " + bucket, e.getCause());
        }
        return new S3ObjectSet(name, bucket, name, objectSize, objects);
    }

    private static StoredObject put(S3Client client, String bucket, String key, int size, long seed) {
        byte[] bytes = new byte[size];
        ByteBuffer fill = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        SplittableRandom random = new SplittableRandom(seed);
        while (fill.remaining() >= Long.BYTES) {
            fill.putLong(random.nextLong());
        }
        while (fill.hasRemaining()) {
            fill.put((byte) random.nextInt());
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        PutObjectResponse response = client.putObject(b -> b.bucket(bucket).key(key).contentLength((long) size),
                RequestBody.fromBytes(bytes));
        return new StoredObject(key, size, response.eTag(), (int) crc.getValue());
    }
}
