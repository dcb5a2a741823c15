package io.embedflow.connectors.prefetch;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Parts fetched with the blocking client on a pool of one thread per request in flight, each body read
 * straight from the HTTP stream into the range's buffer. On a small machine this costs far less CPU per
 * byte than the asynchronous clients (see {@code embedflow bench s3}). Cancelling an attempt aborts its
 * connection, which unblocks the thread.
 */
final class BlockingPartGetter implements PartGetter {
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final S3Client client;
  private final ExecutorService pool;

  BlockingPartGetter(S3Client client, int threads) {
    this.client = client;
    int pool = POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(threads, runnable -> {
      Thread thread = new Thread(runnable, "s3-prefetch-" + pool + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  @Override
  public CompletableFuture<GetObjectResponse> get(GetObjectRequest request, PartTransformer transformer) {
    CompletableFuture<GetObjectResponse> attempt = new CompletableFuture<>();
    AtomicReference<ResponseInputStream<GetObjectResponse>> open = new AtomicReference<>();
    attempt.whenComplete((response, error) -> {
      ResponseInputStream<GetObjectResponse> in = open.get();
      if (attempt.isCancelled() && in != null) {
        in.abort();
      }
    });
    pool.execute(() -> {
      if (attempt.isDone()) {
        return;
      }
      try (ResponseInputStream<GetObjectResponse> in = client.getObject(request)) {
        open.set(in);
        if (attempt.isCancelled()) {
          in.abort();
          return;
        }
        try {
          attempt.complete(transformer.receive(in.response(), in));
        } catch (IOException | RuntimeException e) {
          in.abort(); // closing would read the rest of a body we do not want
          throw e;
        }
      } catch (IOException | RuntimeException | Error e) {
        attempt.completeExceptionally(e);
      }
    });
    return attempt;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
