package io.embedflow.connectors.prefetch;

import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/** Sends one attempt of one part and lands its body in the range's buffer through the part's transformer. */
interface PartGetter extends AutoCloseable {
  /** Completes with the response once the body is in place, or exceptionally; cancelling it stops the attempt. */
  CompletableFuture<GetObjectResponse> get(GetObjectRequest request, PartTransformer transformer);

  /** Releases what the getter itself created (threads); never the caller's client. */
  @Override
  void close();
}
