package io.embedflow.djl.collective;

import io.embedflow.djl.DjlOpsException;

/**
 * A gang member's collective operation failed: a member did not join, refused the gang, died, hung
 * or disagreed about the sequence of buckets. The message names the rank and address at fault and
 * the operation. A collective that threw this is poisoned: every later call fails fast with it as
 * the cause, and the gang must restart together.
 */
public class GangException extends DjlOpsException {
    public GangException(String message) {
        super(message);
    }

    public GangException(String message, Throwable cause) {
        super(message, cause);
    }
}
