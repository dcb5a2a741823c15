package io.embedflow.connectors.shard;

import java.io.Serializable;

/**
 * A range of bytes of a file.
 *
 * @param offset the first byte
 * @param length how many bytes; positive
 */
public record ByteSpan(long offset, long length) implements Serializable {
  public ByteSpan {
    if (offset < 0 || length <= 0) {
      throw new IllegalArgumentException("invalid byte span " + offset + "+" + length);
    }
  }

  /** One past the last byte. */
  public long end() {
    return offset + length;
  }
}
