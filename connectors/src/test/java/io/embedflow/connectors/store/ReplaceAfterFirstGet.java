package io.embedflow.connectors.store;

import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

/** Runs an action once, right after the first GetObject response has arrived: a writer racing a reader. */
final class ReplaceAfterFirstGet implements ExecutionInterceptor {
  private final Runnable action;
  private final AtomicBoolean done = new AtomicBoolean();

  ReplaceAfterFirstGet(Runnable action) {
    this.action = action;
  }

  @Override
  public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
    if (context.request() instanceof GetObjectRequest && done.compareAndSet(false, true)) {
      action.run();
    }
  }
}
