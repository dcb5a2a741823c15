package io.embedflow.connectors.prefetch;

/**
 * A response whose bytes do not match the request. {@link Kind#LONGER_OBJECT} is not a failure: a range
 * planned at offset 0 was asked for as a whole object, the object turned out longer, and the range is asked
 * for again with a {@code Range} header.
 */
final class BodyMismatch extends RuntimeException {
  private static final long serialVersionUID = 1L;

  enum Kind {
    /** The body ended early: a dropped connection or a broken proxy; asking again may succeed. */
    SHORTER_BODY(true),
    /** More bytes than announced or asked for; asking again may succeed. */
    LONGER_BODY(true),
    /** The object ends before the planned range does: it changed, or the plan is wrong. */
    SHORTER_OBJECT(false),
    /** The whole-object request found an object longer than the range (see above). */
    LONGER_OBJECT(false),
    /** The store answered with other bytes than the range asked for, or ignored the {@code Range} header. */
    WRONG_RANGE(false);

    private final boolean isTransient;

    Kind(boolean isTransient) {
      this.isTransient = isTransient;
    }
  }

  private final Kind kind;

  private BodyMismatch(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  static BodyMismatch shorterBody(long received, long expected) {
    return new BodyMismatch(Kind.SHORTER_BODY, "the response body ended after " + received + " of " + expected
        + " bytes");
  }

  static BodyMismatch longerBody(long expected) {
    return new BodyMismatch(Kind.LONGER_BODY, "the response body is longer than the " + expected + " bytes asked for");
  }

  static BodyMismatch shorterObject(long objectSize) {
    return new BodyMismatch(Kind.SHORTER_OBJECT, "the object is " + objectSize
        + " bytes, too short for the planned range; it changed since planning, or the plan is wrong");
  }

  static BodyMismatch longerObject(long objectSize) {
    return new BodyMismatch(Kind.LONGER_OBJECT, "the object is " + objectSize + " bytes, longer than the range");
  }

  static BodyMismatch wrongRange(String what) {
    return new BodyMismatch(Kind.WRONG_RANGE, what);
  }

  Kind kind() {
    return kind;
  }

  /** Whether asking again may succeed: the bytes were lost on the way, the object itself is as planned. */
  boolean isTransient() {
    return kind.isTransient;
  }
}
