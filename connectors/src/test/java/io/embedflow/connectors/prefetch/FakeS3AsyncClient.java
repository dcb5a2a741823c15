package io.embedflow.connectors.prefetch;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * An S3 client whose GETs stay open until the test answers them, to drive the prefetcher's scheduling step by
 * step. Every object's byte {@code i} is {@code (byte) i}. Thread-safe.
 */
final class FakeS3AsyncClient implements S3AsyncClient {
  /** One GET the prefetcher sent, and what the client will do with the answer. */
  record Call(GetObjectRequest request, AsyncResponseTransformer<GetObjectResponse, ?> transformer,
      CompletableFuture<Object> future) {
    /** The first byte asked for (0 without a {@code Range} header). */
    long first() {
      return request.range() == null ? 0 : Long.parseLong(request.range().substring(6, request.range().indexOf('-')));
    }

    /** Answers with the bytes asked for, from an object of {@code objectSize} bytes. */
    void answer(long objectSize) {
      long last = request.range() == null ? objectSize - 1
          : Long.parseLong(request.range().substring(request.range().indexOf('-') + 1));
      byte[] body = new byte[(int) (last - first() + 1)];
      for (int i = 0; i < body.length; i++) {
        body[i] = (byte) (first() + i);
      }
      GetObjectResponse.Builder response = GetObjectResponse.builder().contentLength((long) body.length);
      if (request.range() != null) {
        response.contentRange("bytes " + first() + "-" + last + "/" + objectSize);
      }
      transformer.onResponse(response.build());
      transformer.onStream(SdkPublisher.fromIterable(List.of(ByteBuffer.wrap(body))));
    }
  }

  private final List<Call> calls = new ArrayList<>();

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<T> getObject(GetObjectRequest request,
      AsyncResponseTransformer<GetObjectResponse, T> transformer) {
    CompletableFuture<T> result = transformer.prepare();
    synchronized (calls) {
      calls.add(new Call(request, transformer, (CompletableFuture<Object>) result));
    }
    return result;
  }

  /** Every GET so far, in the order sent. */
  List<Call> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  /** GETs not yet answered, failed or cancelled. */
  List<Call> open() {
    return calls().stream().filter(call -> !call.future().isDone()).toList();
  }

  @Override
  public String serviceName() {
    return "s3";
  }

  @Override
  public void close() {}
}
