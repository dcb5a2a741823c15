package io.embedflow.connectors.prefetch;

import io.embedflow.connectors.redact.Redaction;
import io.embedflow.connectors.store.ObjectNotFoundException;
import io.embedflow.connectors.store.ObjectStoreException;
import io.embedflow.connectors.store.S3Errors;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * Classifies the failure of one attempt at one part, as {@link S3Errors} does for the stores, with what only a
 * prefetch knows: a 412 means the object changed since planning; a missing bucket is a missing object; a body
 * of the wrong length is worth another try; so is a client-side failure of the CRT-based client. Every message
 * names the byte range and the object ({@link ByteRange#describe()}) and the endpoint.
 *
 * <p>The CRT-based client reports what went wrong on the way (a closed socket, throttling it already retried, a
 * stalled connection) as a bare {@link SdkClientException} carrying only the CRT's error text, after retrying
 * by itself; service errors with a response body still arrive as {@link AwsServiceException}s, and
 * credentials are checked before anything is sent. So its other client-side failures count as transient.
 */
final class FetchFailures {
  private final String endpoint;
  private final boolean crtClient;

  FetchFailures(String endpoint, boolean crtClient) {
    this.endpoint = endpoint;
    this.crtClient = crtClient;
  }

  /** The {@link BodyMismatch} of kind {@code LONGER_OBJECT} behind {@code failure}, if that is what it is. */
  static boolean isLongerObject(Throwable failure) {
    BodyMismatch mismatch = find(failure, BodyMismatch.class);
    return mismatch != null && mismatch.kind() == BodyMismatch.Kind.LONGER_OBJECT;
  }

  ObjectStoreException translate(Throwable failure, ByteRange range) {
    Throwable cause = unwrap(failure);
    String what = range.describe();
    BodyMismatch mismatch = find(cause, BodyMismatch.class);
    if (mismatch != null) {
      return new ObjectStoreException("cannot read " + what + " at " + endpoint + ": " + mismatch.getMessage(), mismatch,
          mismatch.isTransient());
    }
    AwsServiceException service = find(cause, AwsServiceException.class);
    if (service != null && service.statusCode() == 412) {
      return new ObjectStoreException("s3://" + range.bucket() + "/" + range.key() + " changed since planning: it no"
          + " longer has ETag " + range.etag().orElse("?") + " (HTTP 412 at " + endpoint + " reading " + what
          + "); plan again to read the new version", service, false);
    }
    if (service instanceof NoSuchBucketException || (service != null && service.awsErrorDetails() != null
        && "NoSuchBucket".equals(service.awsErrorDetails().errorCode()))) {
      return new ObjectNotFoundException(range.key(), "s3://" + range.bucket() + " at " + endpoint
          + ": the bucket does not exist (reading " + what + ")", service);
    }
    S3Errors errors = new S3Errors(endpoint, range.bucket());
    String store = "s3://" + range.bucket() + " at " + endpoint + " (reading " + what + ")";
    if (service != null) {
      return errors.translate(service, "read", what, range.key(), store);
    }
    SdkException sdk = find(cause, SdkException.class);
    if (crtClient && sdk instanceof SdkClientException && !isCredentialsFailure(sdk)) {
      return new ObjectStoreException("cannot read " + what + " at " + endpoint + ": " + messages(sdk), sdk, true);
    }
    if (sdk != null) {
      return errors.translate(sdk, "read", what, range.key(), store);
    }
    boolean isTransient = find(cause, IOException.class) != null;
    return new ObjectStoreException("cannot read " + what + " at " + endpoint + ": " + messages(cause), cause,
        isTransient);
  }

  ObjectStoreException exhausted(ObjectStoreException last, ByteRange range, int attempts) {
    return new ObjectStoreException("gave up on " + range.describe() + " after " + attempts + " attempts; the last: "
        + last.getMessage(), last, true);
  }

  private static boolean isCredentialsFailure(Throwable e) {
    String message = e.getMessage();
    return message != null && message.toLowerCase(Locale.ROOT).contains("unable to load credentials");
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private static String messages(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (text.indexOf(message) < 0) {
        text.append(text.length() == 0 ? "" : ": ").append(message);
      }
    }
    return Redaction.redact(text.toString());
  }
}
