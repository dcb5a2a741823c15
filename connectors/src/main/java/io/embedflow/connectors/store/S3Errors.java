package io.embedflow.connectors.store;

import io.embedflow.connectors.redact.Redaction;
import java.io.IOException;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Turns AWS SDK exceptions into {@link ObjectStoreException}s that say what failed, where, and whether
 * to retry. Text from the server or the SDK goes through {@link Redaction} before it enters a message.
 * Shared by the stores and the prefetcher, so that both classify the same failure alike.
 */
public final class S3Errors {
  private static final Set<String> DENIED = Set.of("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
      "ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled", "AccountProblem",
      "InvalidSecurity", "InvalidClientTokenId", "MissingSecurityHeader");
  private static final Set<String> TRANSIENT = Set.of("SlowDown", "Throttling", "ThrottlingException",
      "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable", "OperationAborted",
      "ConditionalRequestConflict");

  /** Where requests go, for messages: the endpoint override, or the AWS region. */
  private final String endpoint;
  private final String bucket;

  /**
   * @param endpoint where requests go, for messages: the endpoint override, or a description of the AWS region
   * @param bucket the bucket the operations address
   */
  public S3Errors(String endpoint, String bucket) {
    this.endpoint = endpoint;
    this.bucket = bucket;
  }

  public String endpoint() {
    return endpoint;
  }

  /**
   * The exception to throw for {@code e}, raised while doing {@code action} (a verb phrase such as
   * "read") on {@code location} (an s3:// URI).
   *
   * @param key the store key, for {@link ObjectNotFoundException}; {@code null} for operations on no one key
   */
  public ObjectStoreException translate(SdkException e, String action, String location, String key, String storeDescription) {
    if (e instanceof AwsServiceException service) {
      return translateService(service, action, location, key, storeDescription);
    }
    String detail = Redaction.redact(rootMessage(e));
    // before the I/O check: a chain that failed to reach the instance metadata service has an IOException inside
    if (e instanceof SdkClientException && detail.contains("Unable to load credentials")) {
      return new AccessDeniedException("no usable AWS credentials to " + action + " " + location + " at " + endpoint
          + " (the default chain reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws.accessKeyId, AWS_PROFILE,"
          + " web identity, container and instance credentials): " + detail, e);
    }
    if (isTransientClientFailure(e)) {
      return new ObjectStoreException("cannot reach S3 endpoint " + endpoint + " to " + action + " " + location
          + ": " + detail, e, true);
    }
    return new ObjectStoreException("cannot " + action + " " + location + " at " + endpoint + ": " + detail, e, false);
  }

  private ObjectStoreException translateService(AwsServiceException e, String action, String location, String key,
      String storeDescription) {
    int status = e.statusCode();
    String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    String serverMessage = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
    String detail = "HTTP " + status + (code == null ? "" : " " + code)
        + (serverMessage == null ? "" : ": " + Redaction.redact(serverMessage));
    if (e instanceof NoSuchBucketException || "NoSuchBucket".equals(code)) {
      return noSuchBucket(e);
    }
    if (key != null && (e instanceof NoSuchKeyException || "NoSuchKey".equals(code) || (status == 404 && code == null))) {
      return new ObjectNotFoundException(key, storeDescription, e);
    }
    if (status == 403 || (code != null && DENIED.contains(code))) {
      return new AccessDeniedException("access denied to " + action + " " + location + " (bucket '" + bucket + "' at "
          + endpoint + "), " + detail + "; check the AWS credentials and the bucket policy", e);
    }
    boolean isTransient = status >= 500 || status == 429 || (code != null && TRANSIENT.contains(code))
        || e.isThrottlingException();
    String hint = status == 301 || "PermanentRedirect".equals(code)
        ? "; the bucket is in another region: set AWS_REGION or S3Settings.region" : "";
    return new ObjectStoreException("cannot " + action + " " + location + " at " + endpoint + ", " + detail + hint, e,
        isTransient);
  }

  ObjectStoreException noSuchBucket(Throwable cause) {
    return new ObjectStoreException("S3 bucket '" + bucket + "' does not exist at " + endpoint
        + "; create it or fix the location", cause, false);
  }

  private static boolean isTransientClientFailure(SdkException e) {
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return true;
    }
    if (e instanceof AbortedException) {
      return false; // the calling thread was interrupted: stop, do not retry
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SSLHandshakeException) {
        return false; // a certificate or protocol mismatch stays until someone fixes it
      }
      if (t instanceof IOException) {
        return true;
      }
    }
    return e.retryable();
  }

  private static String rootMessage(Throwable e) {
    String message = e.getMessage();
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t.getMessage() != null && (message == null || !message.contains(t.getMessage()))) {
        message = (message == null ? "" : message + ": ") + t.getMessage();
      }
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
