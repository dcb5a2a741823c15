package io.embedflow.connectors.prefetch;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/** One GET's worth of a range, across its attempts. Mutable fields are guarded by the prefetcher's lock. */
final class Part {
  final RangeFetch fetch;
  final int index;
  /** The object offset of the first byte. */
  final long firstByte;
  /** Where the part's bytes go in the range's buffer. */
  final int offsetInRange;
  final int length;
  int attempts;
  /** The attempt in flight, if any. */
  CompletableFuture<GetObjectResponse> call;
  /** The wait before the next attempt, if one is pending. */
  Future<?> backoff;

  Part(RangeFetch fetch, int index, long firstByte, int offsetInRange, int length) {
    this.fetch = fetch;
    this.index = index;
    this.firstByte = firstByte;
    this.offsetInRange = offsetInRange;
    this.length = length;
  }

  GetObjectRequest request(boolean wholeObject) {
    ByteRange range = fetch.range;
    GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(range.bucket()).key(range.key());
    if (wholeObject) {
      request.checksumMode(ChecksumMode.ENABLED);
    } else {
      request.range("bytes=" + firstByte + "-" + (firstByte + length - 1));
    }
    range.etag().ifPresent(etag -> request.ifMatch(etag.startsWith("\"") ? etag : "\"" + etag + "\""));
    return request.build();
  }

  PartTransformer transformer(boolean wholeObject) {
    return new PartTransformer(fetch.buffer(), offsetInRange, length, firstByte, wholeObject);
  }
}
