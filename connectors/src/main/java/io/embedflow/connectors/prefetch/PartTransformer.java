package io.embedflow.connectors.prefetch;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Receives one attempt of one part straight into the range's buffer, at the part's place in it: one copy from
 * the HTTP client's buffers, none after. It writes only inside {@code [offset, offset + length)} of the array,
 * so parts of one range never touch each other's bytes, and stops writing once the attempt is over.
 *
 * <p>It checks, before the body: that a ranged response covers exactly the requested bytes
 * ({@code Content-Range}), and that a whole-object response ({@link #wholeObject}) is exactly {@code length}
 * bytes long ({@code Content-Length}); after it: that exactly {@code length} bytes arrived. A mismatch fails
 * the attempt with a {@link BodyMismatch}. A ranged response without {@code Content-Range} is accepted when it
 * is exactly {@code length} bytes long (some stores answer a range that covers the whole object with 200).
 */
final class PartTransformer implements AsyncResponseTransformer<GetObjectResponse, GetObjectResponse> {
  private final byte[] target;
  private final int offset;
  private final int length;
  private final long firstByte;
  private final boolean wholeObject;
  private volatile CompletableFuture<GetObjectResponse> result;
  private volatile GetObjectResponse response;

  /**
   * @param firstByte the object offset of the part's first byte, to check {@code Content-Range} against
   * @param wholeObject whether the request had no {@code Range} header and asked for the whole object
   */
  PartTransformer(byte[] target, int offset, int length, long firstByte, boolean wholeObject) {
    this.target = target;
    this.offset = offset;
    this.length = length;
    this.firstByte = firstByte;
    this.wholeObject = wholeObject;
  }

  @Override
  public CompletableFuture<GetObjectResponse> prepare() {
    result = new CompletableFuture<>();
    return result;
  }

  @Override
  public void onResponse(GetObjectResponse getObjectResponse) {
    response = getObjectResponse;
    BodyMismatch mismatch = wholeObject ? checkWhole(getObjectResponse) : checkRange(getObjectResponse);
    if (mismatch != null) {
      result.completeExceptionally(mismatch);
    }
  }

  @Override
  public void onStream(SdkPublisher<ByteBuffer> publisher) {
    publisher.subscribe(new Receiver(result));
  }

  @Override
  public void exceptionOccurred(Throwable error) {
    CompletableFuture<GetObjectResponse> current = result;
    if (current != null) {
      current.completeExceptionally(error);
    }
  }

  /**
   * The blocking counterpart of the reactive path: checks {@code r} as {@link #onResponse} does, then reads
   * the body from {@code body} into the target, failing with a {@link BodyMismatch} when it is shorter or
   * longer than the part.
   */
  GetObjectResponse receive(GetObjectResponse r, java.io.InputStream body) throws java.io.IOException {
    BodyMismatch mismatch = wholeObject ? checkWhole(r) : checkRange(r);
    if (mismatch != null) {
      throw mismatch;
    }
    int written = body.readNBytes(target, offset, length);
    if (written != length) {
      throw BodyMismatch.shorterBody(written, length);
    }
    if (body.read() != -1) {
      throw BodyMismatch.longerBody(length);
    }
    return r;
  }

  private BodyMismatch checkWhole(GetObjectResponse r) {
    Long announced = r.contentLength();
    if (announced == null || announced == length) {
      return null;
    }
    return announced > length ? BodyMismatch.longerObject(announced) : BodyMismatch.shorterObject(announced);
  }

  private BodyMismatch checkRange(GetObjectResponse r) {
    String contentRange = r.contentRange();
    if (contentRange == null) {
      Long announced = r.contentLength();
      return announced == null || announced == length ? null
          : BodyMismatch.wrongRange("the store answered a request for bytes " + firstByte + "-" + (firstByte + length - 1)
              + " with " + announced + " bytes and no Content-Range: it ignores Range headers");
    }
    // bytes FIRST-LAST/TOTAL, where TOTAL may be *
    long expectedLast = firstByte + length - 1;
    try {
      int space = contentRange.indexOf(' ');
      int dash = contentRange.indexOf('-', space + 1);
      int slash = contentRange.indexOf('/', dash + 1);
      long first = Long.parseLong(contentRange.substring(space + 1, dash).strip());
      long last = Long.parseLong(contentRange.substring(dash + 1, slash).strip());
      String total = contentRange.substring(slash + 1).strip();
      if (!total.equals("*") && Long.parseLong(total) <= expectedLast) {
        return BodyMismatch.shorterObject(Long.parseLong(total));
      }
      if (first == firstByte && last == expectedLast) {
        return null;
      }
    } catch (RuntimeException e) {
      // unparsable: reported below like any other wrong range
    }
    return BodyMismatch.wrongRange("the store answered a request for bytes " + firstByte + "-" + expectedLast
        + " with Content-Range '" + contentRange + "'");
  }

  /** Copies the body into the target; one per attempt. Reactive Streams signals arrive one at a time. */
  private final class Receiver implements Subscriber<ByteBuffer> {
    private final CompletableFuture<GetObjectResponse> attempt;
    private Subscription subscription;
    private int written;

    Receiver(CompletableFuture<GetObjectResponse> attempt) {
      this.attempt = attempt;
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      if (attempt.isDone()) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(ByteBuffer buffer) {
      if (attempt.isDone()) {
        return;
      }
      int n = buffer.remaining();
      if (n > length - written) {
        attempt.completeExceptionally(BodyMismatch.longerBody(length));
        subscription.cancel();
        return;
      }
      buffer.get(target, offset + written, n);
      written += n;
    }

    @Override
    public void onError(Throwable error) {
      attempt.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      if (written != length) {
        attempt.completeExceptionally(BodyMismatch.shorterBody(written, length));
      } else {
        attempt.complete(response);
      }
    }
  }
}
