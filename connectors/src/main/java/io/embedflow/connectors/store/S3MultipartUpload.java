package io.embedflow.connectors.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * One multipart upload of a file for {@link S3ObjectStore}: parts one after another, each re-read from
 * the file when the SDK retries it; aborted on any failure. SDK exceptions pass through untranslated.
 */
final class S3MultipartUpload {
  private static final int MAX_PARTS = 10_000;

  private final S3Client client;
  private final String bucket;
  private final String objectKey;
  private final Path source;
  private final long size;
  private final long partSize;

  /** @param minPartSize the smallest part; grown so that {@code size} fits S3's 10,000 parts */
  S3MultipartUpload(S3Client client, String bucket, String objectKey, Path source, long size, long minPartSize) {
    this.client = client;
    this.bucket = bucket;
    this.objectKey = objectKey;
    this.source = source;
    this.size = size;
    this.partSize = Math.max(minPartSize, (size + MAX_PARTS - 1) / MAX_PARTS);
  }

  /**
   * Uploads the file; with {@code ifAbsent}, completes with {@code If-None-Match: *}.
   *
   * @return {@code false} when {@code ifAbsent} and the store answered 412 (the key exists)
   */
  boolean run(boolean ifAbsent) {
    String uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)).uploadId();
    boolean done = false;
    try {
      List<CompletedPart> parts = new ArrayList<>();
      int number = 1;
      for (long offset = 0; offset < size; offset += partSize, number++) {
        long length = Math.min(partSize, size - offset);
        long partOffset = offset;
        int partNumber = number;
        String etag = client.uploadPart(
                b -> b.bucket(bucket).key(objectKey).uploadId(uploadId).partNumber(partNumber).contentLength(length),
                RequestBody.fromContentProvider(() -> slice(partOffset, length), length, "application/octet-stream"))
            .eTag();
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
      }
      try {
        client.completeMultipartUpload(b -> {
          b.bucket(bucket).key(objectKey).uploadId(uploadId).multipartUpload(m -> m.parts(parts));
          if (ifAbsent) {
            b.ifNoneMatch("*");
          }
        });
      } catch (AwsServiceException e) {
        if (ifAbsent && e.statusCode() == 412) {
          return false;
        }
        throw e;
      }
      done = true;
      return true;
    } finally {
      if (!done) {
        abort(uploadId);
      }
    }
  }

  private InputStream slice(long offset, long length) {
    try {
      FileChannel channel = FileChannel.open(source);
      channel.position(offset);
      return new S3Streams.BoundedInputStream(Channels.newInputStream(channel), length);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + source + " for part at offset " + offset, e);
    }
  }

  private void abort(String uploadId) {
    try {
      client.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
    } catch (SdkException e) {
      // the upload's own failure is the one to report; a bucket lifecycle rule removes stray uploads
    }
  }
}
