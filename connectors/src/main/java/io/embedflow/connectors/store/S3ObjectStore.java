package io.embedflow.connectors.store;

import io.embedflow.connectors.redact.Redaction;
import io.embedflow.connectors.s3.S3Uri;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} in an S3 bucket (or an S3-compatible store): key {@code k} is the S3 object
 * {@code root.directoryPrefix() + k}.
 *
 * <ul>
 *   <li>Uploads of files above 64 MiB are multipart, parts sent one after another and retried by the
 *       SDK one by one; a failed upload is aborted. Smaller files and byte arrays are one PUT.
 *   <li>{@link #putIfAbsent} first checks with HEAD, then writes with {@code If-None-Match: *}. A
 *       store that answers that header with 501 is remembered and then gets a plain PUT (see
 *       {@link ObjectStore#putIfAbsent} for the race).
 *   <li>{@link #download} reads the object in 32 MiB ranged GETs, each with {@code If-Match} on the
 *       ETag from a first HEAD, so an object replaced mid-download fails (transient) instead of
 *       yielding a mix; a range whose body breaks off is fetched again (up to 3 times). Ranged GETs
 *       rather than part-number GETs, which some S3-compatible stores lack.
 *   <li>A HEAD cannot tell a missing key from a missing bucket; on the first 404, the store asks once
 *       for the bucket, and reports a missing bucket as such.
 * </ul>
 *
 * <p>A store built with the public constructor uses the caller's client and never closes it; one
 * opened by {@link ObjectStores#open} built its own client and closes it in {@link #close()}.
 */
public final class S3ObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);
  static final long DEFAULT_MULTIPART_THRESHOLD = 64L << 20;
  static final long DEFAULT_MIN_PART_SIZE = 16L << 20;
  static final long DEFAULT_DOWNLOAD_CHUNK = 32L << 20;
  private static final int RANGE_ATTEMPTS = 3;
  /** Attempts of one {@link #readRange} whose body breaks off or comes short, with backoff between. */
  private static final int READ_RANGE_ATTEMPTS = 6;
  private static final int FIND_PAGE = 100;

  private final S3Client client;
  private final S3Uri root;
  private final String bucket;
  private final String keyPrefix;
  private final boolean ownsClient;
  private final long multipartThreshold;
  private final long minPartSize;
  private final long downloadChunk;
  private final S3Errors errors;
  private volatile boolean bucketSeen;
  private volatile boolean conditionalPutUnsupported;

  /** A store under {@code root} that uses, and never closes, {@code client}. */
  public S3ObjectStore(S3Client client, S3Uri root) {
    this(client, root, false, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_MIN_PART_SIZE, DEFAULT_DOWNLOAD_CHUNK);
  }

  S3ObjectStore(S3Client client, S3Uri root, boolean ownsClient, long multipartThreshold, long minPartSize,
      long downloadChunk) {
    this.client = Objects.requireNonNull(client, "client");
    this.root = Objects.requireNonNull(root, "root");
    this.bucket = root.bucket();
    this.keyPrefix = root.directoryPrefix();
    this.ownsClient = ownsClient;
    this.multipartThreshold = multipartThreshold;
    this.minPartSize = minPartSize;
    this.downloadChunk = downloadChunk;
    this.errors = new S3Errors(endpointOf(client), bucket);
  }

  /** The location this store reads and writes under. */
  public S3Uri root() {
    return root;
  }

  /** The client this store reads and writes with, for readers that fetch many ranges at once; do not close it. */
  public S3Client client() {
    return client;
  }

  /** The S3 key of the object this store keeps under {@code key} (in bucket {@code root().bucket()}). */
  public String s3Key(String key) {
    return objectKey(key);
  }

  @Override
  public String describe() {
    return "s3://" + bucket + "/" + keyPrefix;
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    return head(key).map(head -> new ObjectInfo(key, head.contentLength(), unquote(head.eTag())));
  }

  @Override
  public void put(String key, Path source) {
    String objectKey = objectKey(key);
    long size = sizeOf(key, source);
    if (size > multipartThreshold) {
      call("write", key, () -> new S3MultipartUpload(client, bucket, objectKey, source, size, minPartSize).run(false),
          location(objectKey));
      return;
    }
    call("write", key, () -> client.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromFile(source)));
  }

  @Override
  public void putBytes(String key, byte[] data) {
    String objectKey = objectKey(key);
    call("write", key, () -> client.putObject(b -> b.bucket(bucket).key(objectKey), RequestBody.fromBytes(data)));
  }

  @Override
  public boolean putIfAbsent(String key, Path source) {
    String objectKey = objectKey(key);
    long size = sizeOf(key, source);
    if (head(key).isPresent()) {
      return false;
    }
    boolean conditional = !conditionalPutUnsupported;
    try {
      if (size > multipartThreshold) {
        return new S3MultipartUpload(client, bucket, objectKey, source, size, minPartSize).run(conditional);
      }
      PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(objectKey);
      if (conditional) {
        request.ifNoneMatch("*");
      }
      client.putObject(request.build(), RequestBody.fromFile(source));
      return true;
    } catch (AwsServiceException e) {
      if (e.statusCode() == 412) {
        return false;
      }
      if (conditional && e.statusCode() == 501) {
        conditionalPutUnsupported = true;
        LOG.warn("{} does not support If-None-Match on PUT; putIfAbsent falls back to check-then-put, where racing"
            + " writers can both write", errors.endpoint());
        return putIfAbsent(key, source);
      }
      throw errors.translate(e, "write", location(objectKey), key, describe());
    } catch (SdkException e) {
      throw errors.translate(e, "write", location(objectKey), key, describe());
    }
  }

  @Override
  public byte[] readBytes(String key) {
    String objectKey = objectKey(key);
    return read(key, () -> client.getObjectAsBytes(b -> b.bucket(bucket).key(objectKey)).asByteArray());
  }

  @Override
  public InputStream open(String key) {
    String objectKey = objectKey(key);
    return new S3Streams.AbortOnEarlyClose(read(key, () -> client.getObject(b -> b.bucket(bucket).key(objectKey))));
  }

  @Override
  public byte[] readRange(String key, long offset, int length, String etag) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative offset or length reading '" + key + "': " + offset + ", " + length);
    }
    if (length == 0) {
      return new byte[0];
    }
    String objectKey = objectKey(key);
    long last = offset + length - 1;
    for (int attempt = 1; ; attempt++) {
      ResponseInputStream<GetObjectResponse> in = read(key, () -> client.getObject(b -> {
        b.bucket(bucket).key(objectKey).range("bytes=" + offset + "-" + last);
        if (etag != null) {
          b.ifMatch(etag);
        }
      }));
      byte[] bytes;
      try (InputStream body = new S3Streams.AbortOnEarlyClose(in)) {
        bytes = body.readNBytes(length);
      } catch (IOException e) {
        if (attempt == READ_RANGE_ATTEMPTS) {
          throw new ObjectStoreException("read of " + location(objectKey) + " from " + errors.endpoint()
              + " broke off in bytes " + offset + "-" + last + " " + READ_RANGE_ATTEMPTS + " times: " + e, e, true);
        }
        backOff(attempt);
        continue;
      }
      if (bytes.length == length) {
        return bytes;
      }
      Long total = in.response().contentLength();
      if (in.response().contentRange() != null && in.response().contentRange().endsWith("/" + (offset + bytes.length))
          || attempt == READ_RANGE_ATTEMPTS) {
        throw new ObjectStoreException("read of " + location(objectKey) + " got " + bytes.length + " bytes for range "
            + offset + "-" + last + " (" + length + " expected, response length " + total + ")", false);
      }
      backOff(attempt);
    }
  }

  /** Full jitter: a random wait up to 50 ms doubled per attempt, at most 2 s. */
  private static void backOff(int attempt) {
    long cap = Math.min(2_000, 50L << Math.min(attempt - 1, 10));
    try {
      Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(cap + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ObjectStoreException("interrupted while retrying a read", e, true);
    }
  }

  @Override
  public void download(String key, Path target) {
    String objectKey = objectKey(key);
    HeadObjectResponse head = head(key).orElseThrow(() -> new ObjectNotFoundException(key, describe()));
    long size = head.contentLength();
    String etag = head.eTag();
    AtomicDownload.run(target, size, "'" + key + "' in " + describe(), channel -> {
      for (long start = 0; start < size; start += downloadChunk) {
        downloadRange(key, objectKey, etag, start, Math.min(size, start + downloadChunk) - 1, channel);
      }
    });
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    Keys.checkPrefix(prefix);
    String listPrefix = keyPrefix + prefix;
    return call("list", null, () -> {
      List<ObjectInfo> found = new ArrayList<>();
      for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(listPrefix)).contents()) {
        String key = object.key().substring(keyPrefix.length());
        if (!key.isEmpty() && !key.endsWith("/")) { // "folder" markers of consoles and tools are not objects
          found.add(new ObjectInfo(key, object.size(), unquote(object.eTag())));
        }
      }
      found.sort(Comparator.comparing(ObjectInfo::key));
      return found;
    }, location(listPrefix));
  }

  /** Reads listing pages only until it finds an object (folder markers do not count), usually one page. */
  @Override
  public Optional<ObjectInfo> findAny(String prefix) {
    Keys.checkPrefix(prefix);
    String listPrefix = keyPrefix + prefix;
    return call("list", null, () -> {
      for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(listPrefix).maxKeys(FIND_PAGE))
          .contents()) {
        String key = object.key().substring(keyPrefix.length());
        if (!key.isEmpty() && !key.endsWith("/")) {
          return Optional.of(new ObjectInfo(key, object.size(), unquote(object.eTag())));
        }
      }
      return Optional.<ObjectInfo>empty();
    }, location(listPrefix));
  }

  @Override
  public void delete(String key) {
    String objectKey = objectKey(key);
    call("delete", key, () -> client.deleteObject(b -> b.bucket(bucket).key(objectKey)));
  }

  /** Closes the client when this store built it ({@link ObjectStores#open}); otherwise leaves it to its owner. */
  @Override
  public void close() {
    if (ownsClient) {
      client.close();
    }
  }

  @Override
  public String toString() {
    return describe();
  }

  private Optional<HeadObjectResponse> head(String key) {
    String objectKey = objectKey(key);
    try {
      return Optional.of(client.headObject(b -> b.bucket(bucket).key(objectKey)));
    } catch (NoSuchKeyException e) {
      requireBucket();
      return Optional.empty();
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404 && !(e instanceof NoSuchBucketException)) {
        requireBucket();
        return Optional.empty();
      }
      throw errors.translate(e, "stat", location(objectKey), key, describe());
    } catch (SdkException e) {
      throw errors.translate(e, "stat", location(objectKey), key, describe());
    }
  }

  /** Throws the missing-bucket error when the bucket is gone; asks S3 only until it has once seen the bucket. */
  private void requireBucket() {
    if (bucketSeen) {
      return;
    }
    try {
      client.headBucket(b -> b.bucket(bucket));
      bucketSeen = true;
    } catch (NoSuchBucketException e) {
      throw errors.noSuchBucket(e);
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404) {
        throw errors.noSuchBucket(e);
      }
      throw errors.translate(e, "find bucket", "s3://" + bucket, null, describe());
    } catch (SdkException e) {
      throw errors.translate(e, "find bucket", "s3://" + bucket, null, describe());
    }
  }

  private void downloadRange(String key, String objectKey, String etag, long first, long last, FileChannel channel)
      throws IOException {
    long length = last - first + 1;
    for (int attempt = 1; ; attempt++) {
      channel.truncate(first);
      channel.position(first);
      ResponseInputStream<GetObjectResponse> in = read(key, () -> client.getObject(
          b -> b.bucket(bucket).key(objectKey).range("bytes=" + first + "-" + last).ifMatch(etag)));
      long copied;
      try (InputStream body = new S3Streams.AbortOnEarlyClose(in)) {
        OutputStream out = Channels.newOutputStream(channel);
        copied = body.transferTo(out);
      } catch (IOException e) {
        if (attempt == RANGE_ATTEMPTS) {
          throw new ObjectStoreException("download of " + location(objectKey) + " from " + errors.endpoint()
              + " broke off in bytes " + first + "-" + last + " " + RANGE_ATTEMPTS + " times: " + e, e, true);
        }
        continue;
      }
      if (copied == length) {
        return;
      }
      if (attempt == RANGE_ATTEMPTS) {
        throw new ObjectStoreException("download of " + location(objectKey) + " got " + copied + " bytes for range "
            + first + "-" + last + " (" + length + " expected)", true);
      }
    }
  }

  private <T> T read(String key, SdkCall<T> call) {
    try {
      return call.run();
    } catch (AwsServiceException e) {
      if (e.statusCode() == 412) {
        throw new ObjectStoreException(location(objectKey(key)) + " changed while it was read; read it again", e, true);
      }
      if (e instanceof NoSuchKeyException || e.statusCode() == 404 && !(e instanceof NoSuchBucketException)) {
        requireBucket();
      }
      throw errors.translate(e, "read", location(objectKey(key)), key, describe());
    } catch (SdkException e) {
      throw errors.translate(e, "read", location(objectKey(key)), key, describe());
    }
  }

  private void call(String action, String key, Runnable call) {
    call(action, key, () -> {
      call.run();
      return null;
    }, location(objectKey(key)));
  }

  private <T> T call(String action, String key, SdkCall<T> call, String location) {
    try {
      return call.run();
    } catch (SdkException e) {
      throw errors.translate(e, action, location, key, describe());
    }
  }

  private String objectKey(String key) {
    return keyPrefix + Keys.check(key);
  }

  private String location(String objectKey) {
    return "s3://" + bucket + "/" + objectKey;
  }

  private long sizeOf(String key, Path source) {
    Objects.requireNonNull(source, "source");
    try {
      return Files.size(source);
    } catch (IOException e) {
      throw new ObjectStoreException("cannot read " + source + " to store it as '" + key + "' in " + describe() + ": " + e,
          e, false);
    }
  }

  private static String unquote(String etag) {
    if (etag == null) {
      return null;
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
  }

  private static String endpointOf(S3Client client) {
    var configuration = client.serviceClientConfiguration();
    return configuration.endpointOverride().map(uri -> Redaction.redact(uri.toString()))
        .orElseGet(() -> "AWS S3 (" + configuration.region() + ")");
  }

  @FunctionalInterface
  private interface SdkCall<T> {
    T run();
  }
}
